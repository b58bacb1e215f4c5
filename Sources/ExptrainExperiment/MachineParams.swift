/// Which phase of an experiment is running.
public enum RunMode: String, Sendable, CaseIterable, CustomStringConvertible {
    case train, valid, test

    public var description: String { rawValue }
}

/// How many environments a run keeps side by side: a number per process, or a number
/// for the whole job that is split across however many processes run (AllenAct splits its
/// samplers the same way), so that adding ranks keeps the global rollout, and with it the
/// learning per sample, of the experiment's published settings.
public enum EnvironmentCount: Sendable, Equatable, CustomStringConvertible {
    /// Every process keeps this many.
    case perProcess(Int)
    /// This many over all processes, split as evenly as possible (earlier ranks take one
    /// more when it does not divide).
    case total(Int)

    public var description: String {
        switch self {
        case .perProcess(let count): "\(count) per process"
        case .total(let count): "\(count) in total"
        }
    }
}

/// How many processes an experiment is designed for and which devices they use,
/// for one `RunMode` (AllenAct's `MachineParams`).
///
/// ```swift
/// func machineParams(mode: RunMode) throws -> MachineParams {
///     try MachineParams(nprocesses: mode == .train ? 2 : 1, gpuIDs: [], environmentsPerProcess: 4)
/// }
/// // CleanRL's 4 environments for the whole job: 4 on one rank, 2 + 2 on two, 1 each on four.
/// try MachineParams(nprocesses: 1, totalEnvironments: 4)
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
    /// The tasks the processes keep running side by side, each process stepping its own as one batch.
    public let environments: EnvironmentCount

    /// Checks the values as AllenAct does: non-negative integers, and at least one
    /// environment per process.
    public init(nprocesses: Int, gpuIDs: [Int] = [], environmentsPerProcess: Int = 1) throws {
        try self.init(nprocesses: nprocesses, gpuIDs: gpuIDs, environments: .perProcess(environmentsPerProcess))
    }

    /// `totalEnvironments` for the whole job, split across the processes that run.
    public init(nprocesses: Int, gpuIDs: [Int] = [], totalEnvironments: Int) throws {
        try self.init(nprocesses: nprocesses, gpuIDs: gpuIDs, environments: .total(totalEnvironments))
    }

    /// `environments` per process or in total.
    public init(nprocesses: Int, gpuIDs: [Int] = [], environments: EnvironmentCount) throws {
        switch environments {
        case .perProcess(let count) where count < 1:
            throw ExperimentError("environmentsPerProcess must be at least 1, got \(count)")
        case .total(let count) where count < 1:
            throw ExperimentError("totalEnvironments must be at least 1, got \(count)")
        default: break
        }
        guard nprocesses >= 0 else {
            throw ExperimentError("nprocesses must be a non-negative integer, got \(nprocesses)")
        }
        if let bad = gpuIDs.first(where: { $0 < 0 }) {
            throw ExperimentError("gpuIDs must be non-negative integers, got \(bad) in \(gpuIDs)")
        }
        self.nprocesses = nprocesses
        self.gpuIDs = gpuIDs
        self.environments = environments
    }

    /// The environments of each of `totalProcesses` processes.
    public func environmentsPerProcess(totalProcesses: Int) throws -> [Int] {
        switch environments {
        case .perProcess(let count):
            return [Int](repeating: count, count: totalProcesses)
        case .total(let count):
            guard count >= totalProcesses else {
                throw ExperimentError("\(count) environments in total cannot be split across \(totalProcesses) processes; run at most \(count) processes or raise the total")
            }
            return try evenlyDistribute(count: count, into: totalProcesses)
        }
    }
}
