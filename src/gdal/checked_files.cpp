#include "gdal/checked_files.hpp"

#include <cpl_string.h>
#include <cpl_vsi.h>
#include <dirent.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>

namespace fs = std::filesystem;

namespace dza::gdal {

namespace {

// The prefix GDAL matches must begin and end with '/'; the real path follows it whole, so a
// checked path reads "/vsidzachecked//tmp/out.geojson" and the plugin sees "/tmp/out.geojson".
constexpr const char* prefix = "/vsidzachecked/";

struct Failures {
    std::mutex mutex;
    std::map<std::string, std::string> by_path;  // the first failure of each file
};
Failures& failures() {
    static Failures f;
    return f;
}

void record(const std::string& path, int error) {
    Failures& f = failures();
    const std::lock_guard<std::mutex> lock(f.mutex);
    f.by_path.emplace(path, std::strerror(error ? error : EIO));
}

std::string real_path(const char* name) { return name[0] == '/' ? std::string(name) : "/" + std::string(name); }

// One open file. stdio needs a flush or a seek between a write and a read: `last` remembers
// which came last.
struct Handle {
    std::FILE* file = nullptr;
    std::string path;
    bool writable = false;
    enum class Op { None, Read, Write } last = Op::None;

    void switch_to(Op op) {
        if (last != Op::None && last != op) fseeko(file, 0, SEEK_CUR);
        last = op;
    }
};

int stat_file(void*, const char* name, VSIStatBufL* buf, int) { return ::stat64(real_path(name).c_str(), buf); }
int unlink_file(void*, const char* name) { return ::unlink(real_path(name).c_str()); }
int rename_file(void*, const char* from, const char* to) { return std::rename(real_path(from).c_str(), real_path(to).c_str()); }
int make_folder(void*, const char* name, long mode) { return ::mkdir(real_path(name).c_str(), static_cast<mode_t>(mode)); }
int remove_folder(void*, const char* name) { return ::rmdir(real_path(name).c_str()); }

char** read_folder(void*, const char* name, int max_files) {
    DIR* dir = ::opendir(real_path(name).c_str());
    if (!dir) return nullptr;
    CPLStringList out;
    while (const dirent* entry = ::readdir(dir)) {
        if (std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0) continue;
        out.AddString(entry->d_name);
        if (max_files > 0 && out.size() >= max_files) break;
    }
    ::closedir(dir);
    return out.StealList();
}

void* open_file(void*, const char* name, const char* access) {
    auto h = std::make_unique<Handle>();
    h->path = real_path(name);
    h->writable = std::strpbrk(access, "wa+") != nullptr;
    std::string mode = access;
    if (mode.find('b') == std::string::npos) mode += 'b';
    h->file = std::fopen(h->path.c_str(), mode.c_str());
    if (!h->file) return nullptr;  // errno says why
    return h.release();
}

vsi_l_offset tell_file(void* p) { return static_cast<vsi_l_offset>(ftello(static_cast<Handle*>(p)->file)); }

int seek_file(void* p, vsi_l_offset offset, int whence) {
    auto* h = static_cast<Handle*>(p);
    h->last = Handle::Op::None;
    if (fseeko(h->file, static_cast<off_t>(offset), whence) == 0) return 0;
    if (h->writable) record(h->path, errno);
    return -1;
}

size_t read_file(void* p, void* buffer, size_t size, size_t count) {
    auto* h = static_cast<Handle*>(p);
    h->switch_to(Handle::Op::Read);
    return std::fread(buffer, size, count, h->file);
}

int eof_file(void* p) { return std::feof(static_cast<Handle*>(p)->file) ? 1 : 0; }

size_t write_file(void* p, const void* buffer, size_t size, size_t count) {
    auto* h = static_cast<Handle*>(p);
    h->switch_to(Handle::Op::Write);
    const size_t written = std::fwrite(buffer, size, count, h->file);
    if (written < count) record(h->path, errno);
    return written;
}

int flush_file(void* p) {
    auto* h = static_cast<Handle*>(p);
    if (std::fflush(h->file) == 0) return 0;
    record(h->path, errno);
    return -1;
}

int truncate_file(void* p, vsi_l_offset size) {
    auto* h = static_cast<Handle*>(p);
    h->last = Handle::Op::None;
    if (std::fflush(h->file) == 0 && ::ftruncate(fileno(h->file), static_cast<off_t>(size)) == 0) return 0;
    record(h->path, errno);
    return -1;
}

// A written file is flushed, synced and closed, each step checked: a full disk often shows only here.
int close_file(void* p) {
    std::unique_ptr<Handle> h(static_cast<Handle*>(p));
    int result = 0;
    if (h->writable) {
        if (std::fflush(h->file) != 0 || ::fsync(fileno(h->file)) != 0) {
            record(h->path, errno);
            result = -1;
        }
    }
    if (std::fclose(h->file) != 0) {
        if (h->writable) record(h->path, errno);
        result = -1;
    }
    return result;
}

void install() {
    VSIFilesystemPluginCallbacksStruct* cb = VSIAllocFilesystemPluginCallbacksStruct();
    cb->stat = stat_file;
    cb->unlink = unlink_file;
    cb->rename = rename_file;
    cb->mkdir = make_folder;
    cb->rmdir = remove_folder;
    cb->read_dir = read_folder;
    cb->open = open_file;
    cb->tell = tell_file;
    cb->seek = seek_file;
    cb->read = read_file;
    cb->eof = eof_file;
    cb->write = write_file;
    cb->flush = flush_file;
    cb->truncate = truncate_file;
    cb->close = close_file;
    VSIInstallPluginHandler(prefix, cb);
    VSIFreeFilesystemPluginCallbacksStruct(cb);  // the handler keeps a copy
}

bool under(const std::string& path, const std::string& folder) {
    return path.size() > folder.size() && path.compare(0, folder.size(), folder) == 0 && path[folder.size()] == '/';
}

}  // namespace

const std::string& checked_prefix() {
    static const std::string p = [] {
        install();
        return std::string(prefix, std::strlen(prefix) - 1);
    }();
    return p;
}

std::string checked_path(const fs::path& path) { return checked_prefix() + "/" + fs::absolute(path).lexically_normal().string(); }

std::string checked_failure(const fs::path& folder) {
    const std::string f = fs::absolute(folder).lexically_normal().string();
    Failures& all = failures();
    const std::lock_guard<std::mutex> lock(all.mutex);
    for (const auto& [path, reason] : all.by_path)
        if (under(path, f)) return reason;
    return {};
}

void forget_checked_failures(const fs::path& folder) {
    const std::string f = fs::absolute(folder).lexically_normal().string();
    Failures& all = failures();
    const std::lock_guard<std::mutex> lock(all.mutex);
    for (auto it = all.by_path.begin(); it != all.by_path.end();) it = under(it->first, f) ? all.by_path.erase(it) : std::next(it);
}

}  // namespace dza::gdal
