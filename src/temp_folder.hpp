#pragma once
// Atomic writes. A result is written in full into a private folder beside its destination, every
// write, fsync and close checked, then renamed into place, and the destination's folder is synced:
// a reader sees the previous file or the new one, never a part. Every write of a file in dza goes
// through here (write_file_atomic for bytes, TempFolder for files a library writes).
//
// A live temporary folder is registered so that SIGINT/SIGTERM can remove it (remove_all_live),
// and holds a lock (flock on `.dza-lock` inside it), so that a later process can tell a folder
// whose process was killed from a live one and remove it.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace dza {

class TempFolder {
public:
    // Made inside `parent` as `<prefix>XXXXXX`; `for_what` (the destination) names it in errors.
    // Stale dza folders beside it (`.dza-tmp-*`, `.dza-run-*` whose lock nobody holds) are removed.
    TempFolder(const std::filesystem::path& parent, const std::string& prefix, const std::string& for_what);
    // Removes the folder with whatever is still in it.
    ~TempFolder();
    TempFolder(const TempFolder&) = delete;
    TempFolder& operator=(const TempFolder&) = delete;
    const std::filesystem::path& path() const { return path_; }

    // Renames the files `names` of this folder to the same names in `folder` (the parent it was
    // made in), then syncs `folder`. Refuses before renaming anything when a target is a folder.
    void move_into_place(const std::vector<std::string>& names, const std::filesystem::path& folder) const;

    // Removes every live temporary folder of this process, for a SIGINT/SIGTERM handler that then
    // ends the process. No folder can be made after this call.
    static void remove_all_live() noexcept;

private:
    std::filesystem::path path_;
    int lock_fd_ = -1;
};

// Creates `path` (which must not exist) with `bytes`, checking every write, then fsync and close.
// DataError "<shown>: cannot write: <reason>" on failure, the partial file removed.
void write_file_checked(const std::filesystem::path& path, std::string_view bytes, const std::string& shown);
// Copies the file `from` to a new file `to`, as write_file_checked does.
void copy_file_checked(const std::filesystem::path& from, const std::filesystem::path& to, const std::string& shown);
// fsync of a file another library wrote, and of a folder after a rename in it.
void sync_file(const std::filesystem::path& path, const std::string& shown);
void sync_folder(const std::filesystem::path& folder, const std::string& shown);

// Writes `bytes` to `path` atomically: the previous file stays whole until the new one is
// complete and synced. DataError naming `path` and the system's reason otherwise.
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

}  // namespace dza
