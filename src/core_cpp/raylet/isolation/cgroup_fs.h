// The few file operations cgroups need, the same on cgroupfs and on a plain folder laid
// out like one (the unit tests' fake root).
#pragma once

#include <optional>
#include <string>

#include "common/status.h"

namespace colony::raylet::cgroupfs {

// Writes `value` to a control file (as `echo value > path` does).
Status Write(const std::string& path, const std::string& value);
std::optional<std::string> Read(const std::string& path);
bool Exists(const std::string& path);
Status MakeDir(const std::string& path);  // an existing folder is fine
// Removes a cgroup folder. On cgroupfs the control files do not count and rmdir works;
// on a plain folder its regular files are deleted first.
void RemoveDir(const std::string& path);
// The number after `key` in a flat-keyed file such as memory.events ("oom_kill 3").
int64_t ReadKeyed(const std::string& path, const std::string& key);

}  // namespace colony::raylet::cgroupfs
