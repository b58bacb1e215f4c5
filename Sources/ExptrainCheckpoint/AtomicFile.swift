import ExptrainIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces the file at `path` with `bytes` so that, whatever happens, the path holds
/// either the old contents or the complete new ones.
///
/// The bytes go to a temporary file in the same folder (so the rename stays within one
/// filesystem), which is fsynced before being renamed over `path`; the folder is then
/// fsynced so the rename itself survives a power loss. On failure the temporary file is
/// removed and `path` is untouched.
func writeFileAtomically(_ bytes: [UInt8], to path: String) throws(CheckpointFileError) {
    let folder = parentFolder(of: path)
    let temporaryPath = "\(folder)/.\(fileName(of: path)).\(getpid()).tmp"

    let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw fileError("cannot create a temporary file in \(folder) to save \(path)") }
    do throws(CheckpointFileError) {
        defer { close(descriptor) }
        guard writeFully(bytes, to: descriptor) else { throw fileError("cannot write \(temporaryPath)") }
        guard fsync(descriptor) == 0 else { throw fileError("cannot flush \(temporaryPath) to disk") }
    } catch {
        unlink(temporaryPath)
        throw error
    }
    guard rename(temporaryPath, path) == 0 else {
        let failure = fileError("cannot rename \(temporaryPath) to \(path)")
        unlink(temporaryPath)
        throw failure
    }

    let folderDescriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard folderDescriptor >= 0 else { throw fileError("saved \(path) but cannot open \(folder) to flush it") }
    defer { close(folderDescriptor) }
    guard fsync(folderDescriptor) == 0 else { throw fileError("saved \(path) but cannot flush folder \(folder) to disk") }
}

/// The whole contents of the file at `path`.
func readWholeFile(at path: String) throws(CheckpointFileError) -> [UInt8] {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw fileError("cannot open checkpoint \(path)") }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw fileError("cannot read the size of checkpoint \(path)") }

    let size = Int(status.st_size)
    var bytes = [UInt8](repeating: 0, count: size)
    var filled = 0
    while filled < size {
        let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + filled, size - filled) }
        if count < 0 && errno == EINTR { continue }
        guard count >= 0 else { throw fileError("cannot read checkpoint \(path)") }
        // The file shrank while being read; what was read is what the file holds.
        if count == 0 { return Array(bytes[..<filled]) }
        filled += count
    }
    return bytes
}

/// A `CheckpointFileError` for `action` with the operating system's reason (from `errno`).
private func fileError(_ action: String) -> CheckpointFileError {
    CheckpointFileError("\(action): \(String(cString: strerror(errno)))")
}

private func parentFolder(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}

private func fileName(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
}
