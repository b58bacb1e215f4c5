/// What one process (MPI rank) is told about its place in the run; handed to the
/// experiment's `trainTaskSamplerArgs`, `validTaskSamplerArgs` and `testTaskSamplerArgs`.
///
/// The rank contract (SPEC §1): `processIndex` is the MPI rank, `totalProcesses`
/// the world size, `devices` is `[gpuIDs[localRank % gpuIDs.count]]` (empty on CPU),
/// and `seeds` is the list rank 0 drew, one per process, identical on every rank.
public struct ProcessSlot: Sendable, Equatable {
    /// This process's index, `0..<totalProcesses` (AllenAct's `process_ind`).
    public let processIndex: Int
    /// The number of processes in the run (AllenAct's `total_processes`).
    public let totalProcesses: Int
    /// The devices this process uses: one GPU id, or empty for the CPU.
    public let devices: [Int]
    /// One seed per process; this process's own is `seeds[processIndex]`.
    public let seeds: [UInt64]
    /// Whether the run asked for deterministic kernels (AllenAct's `deterministic_cudnn`).
    public let deterministic: Bool
    /// Seconds a sampler may wait for an environment process (`--env-timeout`; 0 waits
    /// forever), for samplers whose environments live outside the rank (the Gymnasium bridge).
    public let environmentTimeout: Double

    /// This process's own seed.
    public var seed: UInt64 { seeds[processIndex] }

    public init(processIndex: Int, totalProcesses: Int, devices: [Int], seeds: [UInt64], deterministic: Bool, environmentTimeout: Double = 60) {
        self.processIndex = processIndex
        self.totalProcesses = totalProcesses
        self.devices = devices
        self.seeds = seeds
        self.deterministic = deterministic
        self.environmentTimeout = environmentTimeout
    }

    /// Applies the rank contract: the slot of the process with MPI `rank` in a world
    /// of `worldSize`, at `localRank` on its node, given the machine's `gpuIDs` and
    /// the `seeds` broadcast from rank 0.
    ///
    /// ```swift
    /// let slot = try ProcessSlot(rank: 3, worldSize: 4, localRank: 1, gpuIDs: [0, 1, 2], seeds: seeds)
    /// slot.devices  // [1]
    /// ```
    public init(
        rank: Int, worldSize: Int, localRank: Int, gpuIDs: [Int], seeds: [UInt64], deterministic: Bool = false,
        environmentTimeout: Double = 60
    ) throws {
        guard worldSize >= 1, (0..<worldSize).contains(rank) else {
            throw ExperimentError("rank \(rank) is not in a world of size \(worldSize)")
        }
        guard localRank >= 0, localRank <= rank else {
            throw ExperimentError("local rank \(localRank) is impossible for rank \(rank)")
        }
        guard seeds.count == worldSize else {
            throw ExperimentError("got \(seeds.count) seeds for \(worldSize) processes; rank 0 must draw one per process")
        }
        let devices = gpuIDs.isEmpty ? [] : [gpuIDs[localRank % gpuIDs.count]]
        self.init(
            processIndex: rank, totalProcesses: worldSize, devices: devices, seeds: seeds, deterministic: deterministic,
            environmentTimeout: environmentTimeout)
    }

    /// The value of `CUDA_VISIBLE_DEVICES` for this process: its GPU, or empty for the CPU.
    public var cudaVisibleDevices: String {
        devices.map(String.init).joined(separator: ",")
    }
}
