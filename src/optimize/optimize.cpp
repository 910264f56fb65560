#include "dza/optimize.hpp"
