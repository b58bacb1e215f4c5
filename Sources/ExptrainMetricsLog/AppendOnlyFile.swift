import ExptrainIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file that log writers append to, one `write` call per record and no buffering in
/// the process: once `append` returns, the record is in the operating system's hands
/// and survives the process being killed (a preempted job keeps every logged point).
final class AppendOnlyFile {
    let path: String
    private var descriptor: Int32

    /// Opens `path` for appending, creating it if needed; with `exclusive` an existing
    /// file is an error instead.
    init(path: String, exclusive: Bool) throws(MetricsLogError) {
        let flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : 0)
        descriptor = open(path, flags, 0o644)
        self.path = path
        guard descriptor >= 0 else { throw osError("cannot create \(path)") }
    }

    deinit {
        close()
    }

    /// Appends `bytes` to the end of the file.
    func append(_ bytes: [UInt8]) throws(MetricsLogError) {
        guard descriptor >= 0 else { throw MetricsLogError("cannot write \(path): it was already closed") }
        guard writeFully(bytes, to: descriptor) else { throw osError("cannot write \(path)") }
    }

    /// Asks the operating system to put everything appended so far on disk, so it also
    /// survives a machine crash.
    func synchronize() throws(MetricsLogError) {
        guard descriptor >= 0 else { return }
        guard fsync(descriptor) == 0 else { throw osError("cannot flush \(path) to disk") }
    }

    /// Closes the file; later appends are errors. Closing twice does nothing.
    func close() {
        guard descriptor >= 0 else { return }
        closeDescriptor(descriptor)
        descriptor = -1
    }
}

// A free function, because inside `AppendOnlyFile` the name `close` means the method.
private func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}

/// A `MetricsLogError` for `action` with the operating system's reason (from `errno`).
func osError(_ action: String) -> MetricsLogError {
    MetricsLogError("\(action): \(String(cString: strerror(errno)))")
}
