#include <catch2/catch.hpp>

#include "dza/optimize.hpp"
