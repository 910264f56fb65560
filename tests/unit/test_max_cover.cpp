#include <catch2/catch.hpp>

#include "dza/max_cover.hpp"
