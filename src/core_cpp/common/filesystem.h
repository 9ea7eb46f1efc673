// Small file-system helpers shared by the daemons.
#pragma once

#include <string>

#include "common/status.h"

namespace colony {

// mkdir -p: creates `path` and its missing parents.
Status MakeDirs(const std::string& path);

}  // namespace colony
