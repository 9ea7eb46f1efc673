#include "raylet/isolation/worker_isolation.h"

#include <sstream>
#include <vector>

#include "raylet/isolation/cgroup_fs.h"
#include "raylet/isolation/cgroup_v1.h"
#include "raylet/isolation/cgroup_v2.h"

namespace colony::raylet {
namespace {

std::vector<std::string> Split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, sep)) parts.push_back(part);
  return parts;
}

// The folder of a cgroup `path` in a hierarchy mounted at `mount` whose mount shows the
// hierarchy from `root` on (a container sees its own cgroup as the mount's root).
std::string Join(const std::string& mount, const std::string& root, std::string path) {
  if (root != "/" && path.rfind(root, 0) == 0) path = path.substr(root.size());
  if (path.empty() || path == "/") return mount;
  return mount + path;
}

std::string NodeDirName(const NodeID& node_id) { return "colony-node-" + node_id.Hex(); }

}  // namespace

CgroupLayout ParseCgroupLayout(const std::string& mountinfo, const std::string& proc_cgroup) {
  CgroupLayout layout;
  std::map<std::string, std::string> v1_roots;  // controller -> mount root
  std::string v2_root = "/";
  std::istringstream lines(mountinfo);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream in(line);
    std::vector<std::string> fields;
    std::string f;
    while (in >> f) fields.push_back(f);
    size_t dash = 0;
    while (dash < fields.size() && fields[dash] != "-") dash++;
    if (dash < 5 || dash + 2 >= fields.size()) continue;
    const std::string& root = fields[3];
    const std::string& mount = fields[4];
    const std::string& fstype = fields[dash + 1];
    if (fstype == "cgroup2") {
      if (layout.v2_mount.empty()) {
        layout.v2_mount = mount;
        v2_root = root;
      }
    } else if (fstype == "cgroup" && dash + 3 < fields.size()) {
      for (const std::string& option : Split(fields[dash + 3], ',')) {
        if ((option == "cpu" || option == "memory") && !layout.v1_mounts.count(option)) {
          layout.v1_mounts[option] = mount;
          v1_roots[option] = root;
        }
      }
    }
  }
  std::istringstream groups(proc_cgroup);
  while (std::getline(groups, line)) {
    // "hierarchy-id:controller,list:path"; the path may itself hold colons.
    size_t first = line.find(':');
    size_t second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    std::string controllers = line.substr(first + 1, second - first - 1);
    std::string path = line.substr(second + 1);
    if (line.compare(0, first, "0") == 0 && controllers.empty()) {
      if (!layout.v2_mount.empty()) layout.v2_path = Join(layout.v2_mount, v2_root, path);
      continue;
    }
    for (const std::string& c : Split(controllers, ',')) {
      auto mount = layout.v1_mounts.find(c);
      if (mount != layout.v1_mounts.end()) {
        layout.v1_paths[c] = Join(mount->second, v1_roots[c], path);
      }
    }
  }
  return layout;
}

CgroupLayout ReadCgroupLayout() {
  return ParseCgroupLayout(cgroupfs::Read("/proc/self/mountinfo").value_or(""),
                           cgroupfs::Read("/proc/self/cgroup").value_or(""));
}

StatusOr<IsolationMode> ParseIsolationMode(const std::string& text) {
  if (text == "auto") return IsolationMode::kAuto;
  if (text == "cgroupv1") return IsolationMode::kCgroupV1;
  if (text == "cgroupv2") return IsolationMode::kCgroupV2;
  if (text == "off") return IsolationMode::kOff;
  return Status::InvalidArgument("expected auto, cgroupv1, cgroupv2 or off, got '" + text + "'");
}

namespace {

StatusOr<std::unique_ptr<WorkerIsolation>> TryV2(const NodeID& node_id, const CgroupLayout& layout) {
  if (layout.v2_mount.empty() || layout.v2_path.empty()) {
    return Status::Unavailable("no cgroup2 file system is mounted");
  }
  auto v2 = std::make_unique<CgroupV2Isolation>(layout.v2_path,
                                                layout.v2_path + "/" + NodeDirName(node_id));
  COLONY_RETURN_IF_ERROR(v2->Setup());
  return std::unique_ptr<WorkerIsolation>(std::move(v2));
}

StatusOr<std::unique_ptr<WorkerIsolation>> TryV1(const NodeID& node_id, const CgroupLayout& layout) {
  for (const char* c : {"cpu", "memory"}) {
    if (!layout.v1_paths.count(c)) {
      return Status::Unavailable(std::string("no cgroup v1 ") + c + " hierarchy is mounted");
    }
  }
  auto v1 = std::make_unique<CgroupV1Isolation>(
      layout.v1_paths.at("cpu") + "/" + NodeDirName(node_id),
      layout.v1_paths.at("memory") + "/" + NodeDirName(node_id));
  COLONY_RETURN_IF_ERROR(v1->Setup());
  return std::unique_ptr<WorkerIsolation>(std::move(v1));
}

}  // namespace

IsolationChoice MakeWorkerIsolation(IsolationMode mode, const NodeID& node_id,
                                    const CgroupLayout& layout) {
  IsolationChoice choice;
  if (mode == IsolationMode::kOff) {
    choice.isolation = std::make_unique<NoIsolation>();
    choice.why_off = "--worker-isolation off";
    return choice;
  }
  std::vector<std::string> failures;
  if (mode == IsolationMode::kAuto || mode == IsolationMode::kCgroupV2) {
    auto v2 = TryV2(node_id, layout);
    if (v2.ok()) {
      choice.isolation = std::move(*v2);
      return choice;
    }
    failures.push_back("cgroup v2: " + v2.status().message());
  }
  if (mode == IsolationMode::kAuto || mode == IsolationMode::kCgroupV1) {
    auto v1 = TryV1(node_id, layout);
    if (v1.ok()) {
      choice.isolation = std::move(*v1);
      return choice;
    }
    failures.push_back("cgroup v1: " + v1.status().message());
  }
  choice.isolation = std::make_unique<NoIsolation>();
  for (size_t i = 0; i < failures.size(); i++) choice.why_off += (i ? "; " : "") + failures[i];
  return choice;
}

}  // namespace colony::raylet
