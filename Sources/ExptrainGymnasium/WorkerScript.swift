import ExptrainEnvironment
import Foundation
import Synchronization

/// The Python side of the bridge, `Resources/gymnasium_worker.py`, compiled into the
/// library and written once per process to a file of the temporary folder named by its
/// content, so that any binary linking exptrain carries its own worker.
enum WorkerScript {
    private static let written = Mutex<String?>(nil)

    /// The script's path, writing it first if this process has not yet.
    static func path() throws(TaskError) -> String {
        let result: Result<String, TaskError> = written.withLock { path in
            if let path { return .success(path) }
            let source = PackageResources.gymnasium_worker_py
            let folder = FileManager.default.temporaryDirectory.path
            let file = "\(folder)/exptrain-gymnasium-worker-\(fingerprint(source)).py"
            if FileManager.default.contents(atPath: file) != Data(source) {
                // Written beside, then renamed: ranks that start together never read half a script.
                let partial = "\(file).\(getpid()).partial"
                guard FileManager.default.createFile(atPath: partial, contents: Data(source)), rename(partial, file) == 0 else {
                    return .failure(TaskError("cannot write the Gymnasium worker script to \(file); check that \(folder) is writable (TMPDIR)"))
                }
            }
            path = file
            return .success(file)
        }
        return try result.get()
    }

    /// FNV-1a of the script, in hexadecimal.
    private static func fingerprint(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
