#pragma once
// Files GDAL drivers write, with every write checked. Some drivers ignore what a write returns
// (the text drivers print with VSIFPrintfL and never look), so a full disk would give a cut-off
// file that looks complete. Paths under checked_prefix() are plain files on disk (the rest of
// the path, absolute), written through stdio by a GDAL file-system plugin that remembers the
// first failure of each file (write, seek, flush or close, with the system's reason), so that
// the caller can refuse the result after closing the dataset.
#include <filesystem>
#include <string>

namespace dza::gdal {

// "/vsidzachecked": installed on first use. `checked_path(p)` is that prefix followed by p made absolute.
const std::string& checked_prefix();
std::string checked_path(const std::filesystem::path& path);

// The first failure recorded for a file under `folder` (a real path) since the last forget, as
// the system's reason ("No space left on device"), or "" when none.
std::string checked_failure(const std::filesystem::path& folder);
// Forgets the failures recorded for files under `folder`.
void forget_checked_failures(const std::filesystem::path& folder);

}  // namespace dza::gdal
