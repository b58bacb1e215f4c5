/// Which phase of an experiment is running.
public enum RunMode: String, Sendable, CaseIterable, CustomStringConvertible {
    case train, valid, test

    public var description: String { rawValue }
}

/// How many processes an experiment is designed for and which devices they use,
/// for one `RunMode` (AllenAct's `MachineParams`).
///
/// ```swift
/// func machineParams(mode: RunMode) throws -> MachineParams {
///     try MachineParams(nprocesses: mode == .train ? 2 : 1, gpuIDs: [], environmentsPerProcess: 4)
/// }
/// ```
///
/// Under `mpirun` the world size decides how many processes run; `nprocesses` is
/// what the experiment was designed for, and a mismatch is reported in one line.
public struct MachineParams: Sendable, Equatable {
    /// The number of processes (MPI ranks) the experiment is designed for; 0 means
    /// "whatever the launcher gives".
    public let nprocesses: Int
    /// The GPUs of a node; rank `r` with local rank `l` uses `gpuIDs[l % gpuIDs.count]`.
    /// Empty means CPU.
    public let gpuIDs: [Int]
    /// Tasks each process keeps running side by side and steps as one batch.
    public let environmentsPerProcess: Int

    /// Checks the values as AllenAct does: non-negative integers, and at least one
    /// environment per process.
    public init(nprocesses: Int, gpuIDs: [Int] = [], environmentsPerProcess: Int = 1) throws {
        guard nprocesses >= 0 else {
            throw ExperimentError("nprocesses must be a non-negative integer, got \(nprocesses)")
        }
        if let bad = gpuIDs.first(where: { $0 < 0 }) {
            throw ExperimentError("gpuIDs must be non-negative integers, got \(bad) in \(gpuIDs)")
        }
        guard environmentsPerProcess >= 1 else {
            throw ExperimentError("environmentsPerProcess must be at least 1, got \(environmentsPerProcess)")
        }
        self.nprocesses = nprocesses
        self.gpuIDs = gpuIDs
        self.environmentsPerProcess = environmentsPerProcess
    }
}
