#include "cli/command_optimize.hpp"
