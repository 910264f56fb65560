#include <catch2/catch.hpp>

#include "dza/demand.hpp"
