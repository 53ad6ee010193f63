// The few POSIX file steps the store's journal and usage log share: write all of a buffer
// (through EINTR and short writes), a path's directory (to fsync after a rename), and a whole
// file read into memory.
#pragma once

#include <string>
#include <string_view>

namespace tollgate {

/// False when the write failed (errno says why).
bool write_all(int fd, std::string_view bytes);

/// "dir" of "dir/file", "." of "file", "/" of "/file".
std::string directory_of(const std::string& path);

/// fsyncs `path`'s directory, so a rename into it is durable.
void sync_directory_of(const std::string& path);

}  // namespace tollgate
