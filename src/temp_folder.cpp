#include "temp_folder.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>

#include "dza/error.hpp"

namespace fs = std::filesystem;

namespace dza {

namespace {

constexpr const char* lock_name = ".dza-lock";
constexpr const char* stale_prefixes[] = {".dza-tmp-", ".dza-run-"};

// The live folders of this process. Never destroyed: a signal may come during exit.
struct Registry {
    std::mutex mutex;
    std::set<std::string> folders;
};
Registry& registry() {
    static Registry* r = new Registry;
    return *r;
}

// A folder argument that may be empty (a file name without a folder) as a path for system calls.
fs::path or_current(const fs::path& folder) { return folder.empty() ? fs::path(".") : folder; }

std::string shown_in(const fs::path& folder, const std::string& name) { return (folder / name).string(); }

// Writes all of `size` bytes; 0 or the errno of the failure.
int write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        if (n == 0) return EIO;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return 0;
}

// fsync, tolerating file systems that cannot sync this kind of file.
int sync_fd(int fd) {
    if (::fsync(fd) == 0 || errno == EINVAL || errno == EROFS || errno == ENOTSUP) return 0;
    return errno;
}

[[noreturn]] void fail_write(const std::string& shown, int error) {
    throw DataError(fmt::format("{}: cannot write: {}", shown, std::strerror(error)));
}

// Removes a sibling folder left by a process that no longer runs: one whose lock can be taken.
void remove_if_stale(const fs::path& folder) {
    const int fd = ::open((folder / lock_name).c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return;  // no lock file: being made right now, or not dza's
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
        std::error_code ec;
        fs::remove_all(folder, ec);
    }
    ::close(fd);
}

void remove_stale_siblings(const fs::path& parent, const fs::path& self) {
    std::error_code ec;
    for (fs::directory_iterator it(or_current(parent), ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        bool ours = false;
        for (const char* prefix : stale_prefixes) ours = ours || name.rfind(prefix, 0) == 0;
        if (!ours || it->path().filename() == self.filename()) continue;
        std::error_code type_ec;
        if (!it->is_directory(type_ec) || it->is_symlink(type_ec)) continue;
        remove_if_stale(it->path());
    }
}

}  // namespace

TempFolder::TempFolder(const fs::path& parent, const std::string& prefix, const std::string& for_what) {
    {
        std::lock_guard<std::mutex> lock(registry().mutex);
        for (int attempt = 0; lock_fd_ < 0; ++attempt) {
            std::string pattern = (parent / (prefix + "XXXXXX")).string();
            if (!mkdtemp(pattern.data())) {
                const int error = errno;
                const std::string message =
                    fmt::format("{}: cannot create a temporary folder in \"{}\": {}", for_what, or_current(parent).string(), std::strerror(error));
                if (error == EACCES || error == EPERM || error == EROFS || error == ENOENT || error == ENOTDIR) throw UsageError(message);
                throw DataError(message);
            }
            const fs::path lock_path = fs::path(pattern) / lock_name;
            const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            if (fd < 0) {
                const int error = errno;
                std::error_code ec;
                fs::remove_all(pattern, ec);
                fail_write(for_what, error);
            }
            // Another process may take the fresh lock file for a stale one and remove the folder
            // between its creation and our lock: then the lock file we hold is no longer there.
            // (A file system without locks: nobody can take the folder for a stale one either.)
            struct stat held {}, there {};
            const bool locked = ::flock(fd, LOCK_EX) == 0;
            if (!locked ||
                (::fstat(fd, &held) == 0 && ::stat(lock_path.c_str(), &there) == 0 && held.st_ino == there.st_ino && held.st_dev == there.st_dev)) {
                lock_fd_ = fd;
                path_ = pattern;
                registry().folders.insert(path_.string());
            } else {
                ::close(fd);
                std::error_code ec;
                fs::remove_all(pattern, ec);
                if (attempt >= 5) throw DataError(fmt::format("{}: cannot hold a temporary folder in \"{}\"", for_what, or_current(parent).string()));
            }
        }
    }
    remove_stale_siblings(parent, path_);
}

TempFolder::~TempFolder() {
    std::lock_guard<std::mutex> lock(registry().mutex);
    std::error_code ec;
    fs::remove_all(path_, ec);
    registry().folders.erase(path_.string());
    ::close(lock_fd_);  // only now: an unlocked folder may be taken for a stale one
}

void TempFolder::move_into_place(const std::vector<std::string>& names, const fs::path& folder) const {
    for (const auto& name : names) {
        std::error_code ec;
        if (fs::is_directory(folder / name, ec))
            throw DataError(fmt::format("{}: cannot replace it: it is a folder", shown_in(folder, name)));
    }
    for (const auto& name : names)
        if (std::rename((path_ / name).c_str(), (or_current(folder) / name).c_str()) != 0)
            throw DataError(fmt::format("{}: cannot move the finished file into place: {}", shown_in(folder, name), std::strerror(errno)));
    sync_folder(folder, names.size() == 1 ? shown_in(folder, names.front()) : or_current(folder).string());
}

void TempFolder::remove_all_live() noexcept {
    Registry& r = registry();
    r.mutex.lock();  // never unlocked: the process ends next
    for (const auto& folder : r.folders) {
        // Another thread may still be adding files to it: try again when the folder is not gone.
        for (int attempt = 0; attempt < 5; ++attempt) {
            std::error_code ec;
            fs::remove_all(folder, ec);
            if (!ec && !fs::exists(folder, ec)) break;
        }
    }
}

void write_file_checked(const fs::path& path, std::string_view bytes, const std::string& shown) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) fail_write(shown, errno);
    int error = write_all(fd, bytes.data(), bytes.size());
    if (!error) error = sync_fd(fd);
    if (::close(fd) != 0 && !error) error = errno;
    if (error) {
        ::unlink(path.c_str());
        fail_write(shown, error);
    }
}

void copy_file_checked(const fs::path& from, const fs::path& to, const std::string& shown) {
    const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) throw DataError(fmt::format("{}: cannot read: {}", from.string(), std::strerror(errno)));
    const int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (out < 0) {
        const int error = errno;
        ::close(in);
        fail_write(shown, error);
    }
    std::vector<char> buffer(1 << 20);
    int error = 0, read_error = 0;
    while (!error && !read_error) {
        const ssize_t n = ::read(in, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) read_error = errno;
        if (n <= 0) break;
        error = write_all(out, buffer.data(), static_cast<std::size_t>(n));
    }
    ::close(in);
    if (::close(out) != 0 && !error) error = errno;
    if (read_error || error) ::unlink(to.c_str());
    if (read_error) throw DataError(fmt::format("{}: cannot read: {}", from.string(), std::strerror(read_error)));
    if (error) fail_write(shown, error);
}

void sync_file(const fs::path& path, const std::string& shown) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail_write(shown, errno);
    int error = sync_fd(fd);
    if (::close(fd) != 0 && !error) error = errno;
    if (error) fail_write(shown, error);
}

void sync_folder(const fs::path& folder, const std::string& shown) {
    const int fd = ::open(or_current(folder).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) fail_write(shown, errno);
    int error = sync_fd(fd);
    if (::close(fd) != 0 && !error) error = errno;
    if (error) fail_write(shown, error);
}

void write_file_atomic(const fs::path& path, std::string_view bytes) {
    const fs::path folder = path.parent_path();
    const std::string name = path.filename().string();
    TempFolder temp(folder, ".dza-tmp-", path.string());
    write_file_checked(temp.path() / name, bytes, path.string());
    temp.move_into_place({name}, folder);
}

}  // namespace dza
