import Foundation
import ExptrainEnvironment
import ExptrainMPI

/// A run's output folder, `<output>/<tag>/<start time>/`, holding `checkpoints/`,
/// `metrics.jsonl`, `valid.jsonl`, `curves.svg`, TensorBoard event files and `config.json`.
/// Only rank 0 writes in it.
struct RunDirectory {
    let path: String

    var checkpointsPath: String { path + "/checkpoints" }
    var metricsPath: String { path + "/metrics.jsonl" }
    var validationPath: String { path + "/valid.jsonl" }
    var configPath: String { path + "/config.json" }
    var curvesPath: String { path + "/curves.svg" }

    /// A new run folder named after rank 0's clock (broadcast, so every rank agrees),
    /// created by rank 0.
    static func create(outputDirectory: String, tag: String, world: Communicator) throws -> RunDirectory {
        var name = ""
        if world.rank == 0 {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd_HH-mm-ss"
            name = formatter.string(from: Date())
            var candidate = name
            var suffix = 1
            while FileManager.default.fileExists(atPath: "\(outputDirectory)/\(tag)/\(candidate)") {
                candidate = "\(name)_\(suffix)"
                suffix += 1
            }
            name = candidate
        }
        try world.broadcast(&name, root: 0, label: "run folder name")
        let directory = RunDirectory(path: "\(outputDirectory)/\(tag)/\(name)")
        if world.rank == 0 {
            try directory.createFolders()
        }
        return directory
    }

    func createFolders() throws {
        do {
            try FileManager.default.createDirectory(atPath: checkpointsPath, withIntermediateDirectories: true)
        } catch {
            throw ExptrainRunError("cannot create the run folder \(path): \(Self.obstacle(to: checkpointsPath) ?? error.localizedDescription); choose a writable --output-dir")
        }
    }

    /// Why a folder cannot be made at `path`, when its nearest existing ancestor tells:
    /// that ancestor is a file, or is not writable.
    private static func obstacle(to path: String) -> String? {
        var ancestor = (path as NSString).deletingLastPathComponent
        while ancestor.count > 1, !FileManager.default.fileExists(atPath: ancestor) {
            ancestor = (ancestor as NSString).deletingLastPathComponent
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: ancestor, isDirectory: &isFolder) else { return nil }
        if !isFolder.boolValue { return "\(ancestor) is a file, not a folder" }
        if !FileManager.default.isWritableFile(atPath: ancestor) { return "\(ancestor) is not writable" }
        return nil
    }

    /// The most recent run of `tag` under `outputDirectory` that has a checkpoint, and
    /// that checkpoint: what `--resume` continues.
    static func latestResumable(outputDirectory: String, tag: String) -> (RunDirectory, checkpoint: String)? {
        let tagFolder = "\(outputDirectory)/\(tag)"
        let runs = ((try? FileManager.default.contentsOfDirectory(atPath: tagFolder)) ?? []).sorted(by: >)
        for run in runs {
            let directory = RunDirectory(path: "\(tagFolder)/\(run)")
            if let checkpoint = directory.checkpoints().last {
                return (directory, checkpoint)
            }
        }
        return nil
    }

    /// This run's checkpoint files, oldest first.
    func checkpoints() -> [String] {
        Self.checkpoints(inFolder: checkpointsPath)
    }

    /// Deletes this run's oldest checkpoints so that the newest `count` remain; `nil`
    /// keeps them all. Rank 0 calls it after each save (`--keep-checkpoints`).
    ///
    /// The newest checkpoint, just saved and the one `--resume` continues from, always
    /// stays, whatever `count` says.
    func removeOldCheckpoints(keepingNewest count: Int?) throws {
        guard let count else { return }
        for old in checkpoints().dropLast(max(count, 1)) {
            do {
                try FileManager.default.removeItem(atPath: old)
            } catch {
                throw ExptrainRunError("cannot remove the old checkpoint \(old) (--keep-checkpoints \(count)): \(error.localizedDescription); check the run folder's permissions")
            }
        }
    }

    /// Deletes the temporary files of checkpoint writes that never finished (a process
    /// killed while saving leaves its `.step-….safetensors.<pid>.tmp`) and returns their
    /// names; a file that cannot be deleted stays, named in the returned list's second part.
    func removeUnfinishedWrites() -> (removed: [String], kept: [String]) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: checkpointsPath)) ?? []
        var result: (removed: [String], kept: [String]) = ([], [])
        for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            if (try? FileManager.default.removeItem(atPath: "\(checkpointsPath)/\(name)")) != nil {
                result.removed.append(name)
            } else {
                result.kept.append(name)
            }
        }
        return result
    }

    /// The checkpoint files (`*.safetensors`) in `folder`, sorted by name (which sorts by step).
    static func checkpoints(inFolder folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".safetensors") && !$0.hasPrefix(".") }.sorted().map { "\(folder)/\($0)" }
    }

    /// `elapsed_seconds` of the last line of `metrics.jsonl`, or 0.
    func lastLoggedElapsedSeconds() -> Double {
        guard let text = try? String(contentsOfFile: metricsPath, encoding: .utf8),
              let line = text.split(separator: "\n").last,
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let elapsed = object["elapsed_seconds"] as? Double
        else { return 0 }
        return elapsed
    }

    /// Writes `config.json`: the resolved settings of the run, for the record.
    func writeConfig(_ record: RunConfigRecord) throws {
        let data = try record.encoded()
        guard FileManager.default.createFile(atPath: configPath, contents: data) else {
            throw ExptrainRunError("cannot write \(configPath); check the output folder's permissions")
        }
    }
}

/// A failure of the run itself (not of the experiment's definition or a checkpoint):
/// exit code 1.
public struct ExptrainRunError: ReportedError, Sendable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
    public var exitCode: Int32 { ExitCode.failure }
}
