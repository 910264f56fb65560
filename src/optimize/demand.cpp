#include "dza/demand.hpp"
