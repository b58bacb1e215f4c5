import ExptrainExperiment
import XCTest

final class RankContractTests: XCTestCase {
    private func seeds(_ count: Int) -> [UInt64] { (0..<count).map { UInt64(1000 + $0) } }

    func testSlotCarriesRankWorldSizeAndOwnSeed() throws {
        let slot = try ProcessSlot(rank: 2, worldSize: 4, localRank: 0, gpuIDs: [], seeds: seeds(4), deterministic: true)
        XCTAssertEqual(slot.processIndex, 2)
        XCTAssertEqual(slot.totalProcesses, 4)
        XCTAssertEqual(slot.seed, 1002)
        XCTAssertEqual(slot.seeds, seeds(4))
        XCTAssertTrue(slot.deterministic)
    }

    func testEmptyGPUListMeansCPU() throws {
        for rank in 0..<3 {
            let slot = try ProcessSlot(rank: rank, worldSize: 3, localRank: rank, gpuIDs: [], seeds: seeds(3))
            XCTAssertEqual(slot.devices, [])
            XCTAssertEqual(slot.cudaVisibleDevices, "")
        }
    }

    /// Two nodes of four ranks each, three GPUs per node: devices cycle by local rank.
    func testMoreRanksThanGPUsCycleByLocalRank() throws {
        let gpuIDs = [0, 1, 2]
        var devices: [[Int]] = []
        for rank in 0..<8 {
            let slot = try ProcessSlot(rank: rank, worldSize: 8, localRank: rank % 4, gpuIDs: gpuIDs, seeds: seeds(8))
            devices.append(slot.devices)
        }
        XCTAssertEqual(devices, [[0], [1], [2], [0], [0], [1], [2], [0]])
    }

    func testOneGPUPerRankUsesLocalRankNotGlobalRank() throws {
        // Second node of a 2×2 job with GPUs 4 and 7: ranks 2 and 3 are local ranks 0 and 1.
        let third = try ProcessSlot(rank: 2, worldSize: 4, localRank: 0, gpuIDs: [4, 7], seeds: seeds(4))
        let fourth = try ProcessSlot(rank: 3, worldSize: 4, localRank: 1, gpuIDs: [4, 7], seeds: seeds(4))
        XCTAssertEqual(third.devices, [4])
        XCTAssertEqual(fourth.devices, [7])
        XCTAssertEqual(fourth.cudaVisibleDevices, "7")
    }

    func testImpossibleSlotsAreErrors() {
        XCTAssertThrowsError(try ProcessSlot(rank: 4, worldSize: 4, localRank: 0, gpuIDs: [], seeds: seeds(4)))
        XCTAssertThrowsError(try ProcessSlot(rank: 1, worldSize: 4, localRank: 2, gpuIDs: [], seeds: seeds(4)))
        XCTAssertThrowsError(try ProcessSlot(rank: 0, worldSize: 4, localRank: 0, gpuIDs: [], seeds: seeds(3))) { error in
            XCTAssertTrue("\(error)".contains("3 seeds for 4 processes"), "\(error)")
        }
    }

    func testMachineParamsRejectNegativeValuesWithTheValue() {
        XCTAssertThrowsError(try MachineParams(nprocesses: -1)) { error in
            XCTAssertEqual("\(error)", "nprocesses must be a non-negative integer, got -1")
        }
        XCTAssertThrowsError(try MachineParams(nprocesses: 2, gpuIDs: [0, -3])) { error in
            XCTAssertEqual("\(error)", "gpuIDs must be non-negative integers, got -3 in [0, -3]")
        }
        XCTAssertThrowsError(try MachineParams(nprocesses: 2, environmentsPerProcess: 0))
        XCTAssertEqual(try MachineParams(nprocesses: 0).environmentsPerProcess(totalProcesses: 3), [1, 1, 1])
        XCTAssertEqual(try MachineParams(nprocesses: 0, totalEnvironments: 8).environmentsPerProcess(totalProcesses: 3), [3, 3, 2])
        XCTAssertThrowsError(try MachineParams(nprocesses: 0, totalEnvironments: 2).environmentsPerProcess(totalProcesses: 3))
    }
}

final class PartitioningTests: XCTestCase {
    func testEvenlyDistributeMatchesAllenAct() throws {
        XCTAssertEqual(try evenlyDistribute(count: 10, into: 4), [3, 3, 2, 2])
        XCTAssertEqual(try evenlyDistribute(count: 4, into: 4), [1, 1, 1, 1])
        XCTAssertEqual(try evenlyDistribute(count: 7, into: 1), [7])
    }

    func testFewerItemsThanProcessesIsAnError() {
        XCTAssertThrowsError(try evenlyDistribute(count: 3, into: 4)) { error in
            XCTAssertTrue("\(error)".contains("cannot distribute 3 items across 4 processes"), "\(error)")
        }
    }

    func testSharesAreDisjointCoveringAndBalanced() throws {
        for count in 1...40 {
            for processes in 1...min(count, 9) {
                let items = Array(0..<count)
                let shares = try (0..<processes).map { index in
                    try ProcessSlot(processIndex: index, totalProcesses: processes, devices: [], seeds: [], deterministic: false)
                        .share(of: items)
                }
                XCTAssertEqual(shares.flatMap { $0 }, items, "\(count) items over \(processes)")  // disjoint, covering, in order
                let sizes = shares.map(\.count)
                XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1, "\(count) items over \(processes)")
            }
        }
    }
}
