#include "raylet/worker_launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>

extern char** environ;

namespace colony::raylet {
namespace {

// Resolved before fork: PATH search in the child would not be async-signal-safe.
StatusOr<std::string> ResolveExecutable(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (access(name.c_str(), X_OK) != 0) {
      return Status::NotFound("executable " + name + " is not executable: " +
                              std::strerror(errno));
    }
    return name;
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return Status::NotFound("executable " + name + " not found on PATH");
}

StatusOr<int> OpenLog(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("cannot open " + path + ": " + std::strerror(errno));
  return fd;
}

// Runs in the forked child: only async-signal-safe calls until exec.
[[noreturn]] void ExecChild(pid_t parent, int in_fd, int out_fd, int err_fd, const char* exe,
                            char* const argv[], char* const envp[], const char* cwd) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);  // the raylet blocks SIGTERM/SIGINT
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGPIPE, &dfl, nullptr);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(1);  // the raylet died before prctl took effect
  if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0) _exit(126);
  if (cwd != nullptr && chdir(cwd) != 0) _exit(125);
#ifdef SYS_close_range
  syscall(SYS_close_range, 3U, ~0U, 0U);  // gRPC sockets and other raylet descriptors
#endif
  execve(exe, argv, envp);
  _exit(127);
}

}  // namespace

std::string WorkerLauncher::LogPath(const WorkerID& worker_id, const char* suffix) const {
  return options_.session_dir + "/logs/" + LogName(worker_id, suffix);
}

std::string WorkerLauncher::LogName(const WorkerID& worker_id, const char* suffix) {
  return "worker-" + worker_id.Hex() + "." + suffix;
}

// The runtime env's variables over `env` (NAME=value entries); its python_path goes
// before PYTHONPATH.
static void ApplyRuntimeEnv(const rpc::RuntimeEnvContext& runtime_env, std::vector<std::string>* env) {
  std::map<std::string, std::string> vars;
  for (const auto& entry : *env) {
    size_t eq = entry.find('=');
    vars[entry.substr(0, eq)] = eq == std::string::npos ? "" : entry.substr(eq + 1);
  }
  for (const auto& [name, value] : runtime_env.env_vars()) vars[name] = value;
  std::string path;
  for (const auto& entry : runtime_env.python_path()) path += (path.empty() ? "" : ":") + entry;
  if (!path.empty()) {
    const std::string& old = vars["PYTHONPATH"];
    vars["PYTHONPATH"] = old.empty() ? path : path + ":" + old;
  }
  env->clear();
  for (const auto& [name, value] : vars) env->push_back(name + "=" + value);
}

std::vector<std::string> WorkerLauncher::BuildEnv(const WorkerID& worker_id,
                                                  const JobID& job_id) const {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq != nullptr) env[std::string(*e, eq - *e)] = eq + 1;
  }
  for (const auto& [key, value] : options_.extra_env) env[key] = value;
  // Numeric libraries start a thread per core unless told otherwise: a worker's thread count
  // follows its task's num_cpus (set per task by the worker), unless the user chose one.
  if (env.count("OMP_NUM_THREADS") == 0) {
    env["OMP_NUM_THREADS"] = "1";
    env["COLONY_OMP_MANAGED"] = "1";
  }
  env["COLONY_RAYLET_ADDRESS"] = options_.raylet_address;
  env["COLONY_GCS_ADDRESS"] = options_.gcs_address;
  env["COLONY_NODE_ID"] = options_.node_id.Hex();
  env["COLONY_NODE_IP"] = options_.node_ip;
  env["COLONY_JOB_ID"] = job_id.Hex();
  env["COLONY_WORKER_ID"] = worker_id.Hex();
  env["COLONY_CLUSTER_TOKEN"] = options_.token;
  env["COLONY_SESSION_DIR"] = options_.session_dir;
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [key, value] : env) out.push_back(key + "=" + value);
  return out;
}

StatusOr<pid_t> WorkerLauncher::Launch(rpc::Language language,
                                       const std::vector<WorkerID>& worker_ids,
                                       const JobID& job_id, const rpc::JobConfig& job,
                                       const std::vector<std::string>& jvm_options,
                                       const rpc::RuntimeEnvContext* runtime_env) const {
  StatusOr<pid_t> pid = LaunchProcess(language, worker_ids, job_id, job, jvm_options, runtime_env);
  if (pid.ok() && launch_listener_) {
    rpc::WorkerLogInfo info;
    info.set_pid(*pid);
    for (const auto& id : worker_ids) info.add_worker_ids(id.Binary());
    info.set_job_id(job_id.Binary());
    info.set_language(language);
    info.set_out_file(LogName(worker_ids.at(0), "out"));
    info.set_err_file(LogName(worker_ids.at(0), "err"));
    info.set_started_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count());
    launch_listener_(info);
  }
  return pid;
}

StatusOr<pid_t> WorkerLauncher::LaunchProcess(rpc::Language language,
                                              const std::vector<WorkerID>& worker_ids,
                                              const JobID& job_id, const rpc::JobConfig& job,
                                              const std::vector<std::string>& jvm_options,
                                              const rpc::RuntimeEnvContext* runtime_env) const {
  const WorkerID& worker_id = worker_ids.at(0);
  std::vector<std::string> env = BuildEnv(worker_id, job_id);
  if (runtime_env != nullptr) ApplyRuntimeEnv(*runtime_env, &env);
  std::string cwd = runtime_env == nullptr ? "" : runtime_env->cwd();
  if (!cwd.empty() && access(cwd.c_str(), X_OK) != 0) {
    return Status::RuntimeEnvSetupFailed("the runtime env's working dir " + cwd +
                                         " cannot be entered: " + std::strerror(errno));
  }
  std::string ids;
  for (const auto& id : worker_ids) ids += (ids.empty() ? "" : ",") + id.Hex();
  env.push_back("COLONY_WORKER_IDS=" + ids);
  if (language == rpc::JAVA) {
    std::string classpath = JavaClasspath(job, runtime_env);
    env.push_back("COLONY_CODE_SEARCH_PATH=" + classpath);
    // Arrow Java (ARROW values) reads direct buffer addresses through java.nio internals.
    std::vector<std::string> args = {options_.java_executable,
                                     "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp",
                                     classpath};
    if (!options_.jni_library.empty()) args.push_back("-Dcolony.jni.path=" + options_.jni_library);
    args.insert(args.end(), jvm_options.begin(), jvm_options.end());
    args.push_back("io.colony.runtime.WorkerMain");
    return Spawn(options_.java_executable, args, env, worker_id, cwd);
  }
  // Python workers put the job's code search path on sys.path (modules that Java drivers
  // call by name).
  std::string path;
  for (const auto& entry : job.code_search_path()) path += (path.empty() ? "" : ":") + entry;
  env.push_back("COLONY_CODE_SEARCH_PATH=" + path);
  // A runtime env with pip packages runs its workers with its virtualenv's python.
  const std::string& python = runtime_env != nullptr && !runtime_env->python_executable().empty()
                                  ? runtime_env->python_executable()
                                  : options_.python_executable;
  return Spawn(python, {python, "-m", "colony._private.worker_main"}, env, worker_id, cwd);
}

// The job's code search path (jars, and folders of classes and of jars), then the
// cluster's own Java runtime classpath, if the raylet was given one.
std::string WorkerLauncher::JavaClasspath(const rpc::JobConfig& job,
                                          const rpc::RuntimeEnvContext* runtime_env) const {
  std::string classpath;
  auto add = [&classpath](const std::string& entry) {
    if (entry.empty()) return;
    if (!classpath.empty()) classpath += ":";
    classpath += entry;
  };
  // The runtime env's java_jars come first: a task's jars override the job's.
  if (runtime_env != nullptr) {
    for (const auto& entry : runtime_env->java_classpath()) add(entry);
  }
  for (const auto& entry : job.code_search_path()) {
    add(entry);
    struct stat st;
    bool is_dir = stat(entry.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    if (is_dir) add(entry + "/*");
  }
  add(options_.java_classpath);
  return classpath;
}

StatusOr<pid_t> WorkerLauncher::Spawn(const std::string& executable,
                                      std::vector<std::string> args,
                                      std::vector<std::string> env,
                                      const WorkerID& worker_id, const std::string& cwd) const {
  auto exe = ResolveExecutable(executable);
  if (!exe.ok()) return exe.status();
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  auto out_fd = OpenLog(LogPath(worker_id, "out"));
  if (!out_fd.ok()) return out_fd.status();
  auto err_fd = OpenLog(LogPath(worker_id, "err"));
  if (!err_fd.ok()) {
    close(*out_fd);
    return err_fd.status();
  }
  int in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t parent = getpid();
  pid_t pid = in_fd < 0 ? -1 : fork();
  if (pid == 0) {
    ExecChild(parent, in_fd, *out_fd, *err_fd, exe->c_str(), argv.data(), envp.data(),
              cwd.empty() ? nullptr : cwd.c_str());
  }
  int fork_errno = errno;
  if (in_fd >= 0) close(in_fd);
  close(*out_fd);
  close(*err_fd);
  if (pid < 0) return Status::IOError(std::string("cannot fork a worker: ") + std::strerror(fork_errno));
  return pid;
}

}  // namespace colony::raylet
