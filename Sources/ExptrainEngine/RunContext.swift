import ExptrainExperiment
import ExptrainMPI
import Foundation

/// This process's place in the job, and the things every part of a run shares: the
/// world communicator, the rank contract, and one-line notes on standard error.
public struct RunContext: Sendable {
    public private(set) var world: Communicator
    /// The exptrain version, recorded in `config.json`.
    public let version: String
    /// The source commit, when known (`EXPTRAIN_GIT_COMMIT` or the checkout the binary runs in).
    public let gitCommit: String?

    public init(world: Communicator, version: String) {
        self.world = world
        self.version = version
        gitCommit = ProcessInfo.processInfo.environment["EXPTRAIN_GIT_COMMIT"] ?? RunContext.readGitCommit()
    }

    /// This context with every collective of its world bounded by `seconds` (0: none).
    func boundingCollectives(by seconds: Double) -> RunContext {
        var bounded = self
        bounded.world = world.bounded(by: seconds)
        return bounded
    }

    /// The rank contract for this process (SPEC §1), with `CUDA_VISIBLE_DEVICES` set to
    /// its device before any sampler is made.
    func slot(gpuIDs: [Int], seeds: [UInt64], options: RunOptions) throws -> ProcessSlot {
        let slot = try ProcessSlot(
            rank: world.rank, worldSize: world.size, localRank: world.localRank, gpuIDs: gpuIDs, seeds: seeds,
            deterministic: options.deterministic, environmentTimeout: options.environmentTimeout)
        setenv("CUDA_VISIBLE_DEVICES", slot.cudaVisibleDevices, 1)
        return slot
    }

    /// Says (once, on rank 0) when the world size differs from what the experiment was designed for.
    func noteProcessCount(designed: Int, mode: RunMode, tag: String) {
        if designed != 0 && designed != world.size {
            info("\(tag) is designed for \(designed) processes in \(mode) mode; running \(world.size) (the MPI world size wins)")
        }
    }

    /// A note on standard error: from rank 0, or from every rank (prefixed with its rank).
    func info(_ message: String, everyRank: Bool = false) {
        guard everyRank || world.rank == 0 else { return }
        FileHandle.standardError.write(Data("exptrain[\(world.rank)]: \(message)\n".utf8))
    }

    private static func readGitCommit() -> String? {
        let head = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".git/HEAD")
        guard let text = try? String(contentsOf: head, encoding: .utf8) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("ref: ") else { return trimmed }
        let reference = head.deletingLastPathComponent().appendingPathComponent(String(trimmed.dropFirst(5)))
        return (try? String(contentsOf: reference, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
