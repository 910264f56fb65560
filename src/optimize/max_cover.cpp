#include "dza/max_cover.hpp"
