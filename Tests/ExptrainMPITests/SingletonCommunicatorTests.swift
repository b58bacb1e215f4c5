import ExptrainMPI
import XCTest

/// A test process is started without `mpirun`, so MPI runs as a singleton:
/// rank 0 of a world of one, where every collective is the identity.
final class SingletonCommunicatorTests: XCTestCase {
    func testWorldIsRankZeroOfOne() throws {
        let world = try Communicator.world()
        XCTAssertEqual(world.rank, 0)
        XCTAssertEqual(world.size, 1)
        XCTAssertEqual(world.localRank, 0)
        XCTAssertEqual(world.localSize, 1)
        XCTAssertFalse(world.processorName.isEmpty)
    }

    func testWorldIsInitialisedOnce() throws {
        let first = try Communicator.world()
        let second = try Communicator.world()
        XCTAssertEqual(first.rank, second.rank)
        XCTAssertEqual(first.processorName, second.processorName)
    }

    func testAllReduceIsIdentityForEveryTypeAndOperation() throws {
        let world = try Communicator.world()
        for operation in ReductionOperation.allCases {
            var floats: [Float] = [1.5, -2.25, .leastNonzeroMagnitude, -0.0]
            try world.allReduce(&floats, operation)
            XCTAssertEqual(floats.map(\.bitPattern), [Float(1.5), -2.25, .leastNonzeroMagnitude, -0.0].map(\.bitPattern))

            var doubles: [Double] = [.pi, -1e300]
            try world.allReduce(&doubles, operation)
            XCTAssertEqual(doubles, [.pi, -1e300])

            var integers: [Int64] = [.max, .min, 0]
            try world.allReduce(&integers, operation)
            XCTAssertEqual(integers, [.max, .min, 0])

            XCTAssertEqual(try world.allReduce(Int64(41), operation), 41)
        }
    }

    func testAllReduceOfEmptyBufferIsANoOp() throws {
        var empty: [Float] = []
        try Communicator.world().allReduce(&empty, .sum)
        XCTAssertEqual(empty, [])
    }

    func testAllGatherOfOneRankIsItsOwnValues() throws {
        XCTAssertEqual(try Communicator.world().allGather([Float(1.5), -2]), [1.5, -2])
        XCTAssertEqual(try Communicator.world().allGather([Double]()), [])
    }

    func testAllGatherIntoAKeptArrayRefillsItsStorage() throws {
        let world = try Communicator.world()
        var gathered: [Double] = [9, 9, 9]
        try world.allGather([1.5, -2], into: &gathered)
        XCTAssertEqual(gathered, [1.5, -2], "a buffer of another size is resized")
        let storage = gathered.withUnsafeBufferPointer { $0.baseAddress }
        try world.allGather([4, 5], into: &gathered)
        XCTAssertEqual(gathered, [4, 5])
        XCTAssertEqual(gathered.withUnsafeBufferPointer { $0.baseAddress }, storage, "a buffer of the right size is refilled")
        try world.allGather([Double](), into: &gathered)
        XCTAssertEqual(gathered, [])
    }

    func testBroadcastFromOnlyRankKeepsValues() throws {
        let world = try Communicator.world()
        var bytes: [UInt8] = [0, 255, 7]
        var unsigned: [UInt64] = [.max, 0]
        var doubles: [Double] = [1.0 / 3.0]
        var text = "héllo → 世界"
        try world.broadcast(&bytes)
        try world.broadcast(&unsigned)
        try world.broadcast(&doubles)
        try world.broadcast(&text)
        XCTAssertEqual(bytes, [0, 255, 7])
        XCTAssertEqual(unsigned, [.max, 0])
        XCTAssertEqual(doubles, [1.0 / 3.0])
        XCTAssertEqual(text, "héllo → 世界")
    }

    func testBroadcastFromMissingRootIsAnMPIError() throws {
        var values: [Float] = [1]
        XCTAssertThrowsError(try Communicator.world().broadcast(&values, root: 3)) { error in
            let mpiError = try? XCTUnwrap(error as? MPIError)
            XCTAssertEqual(mpiError?.function, "MPI_Bcast")
            XCTAssertTrue(mpiError?.message.contains("root 3") ?? false)
        }
    }

    func testMPIErrorCarriesMPIsErrorString() {
        let error = MPIError.describing(code: 5, function: "MPI_Test")
        XCTAssertEqual(error.code, 5)
        XCTAssertFalse(error.message.isEmpty)
        XCTAssertTrue(error.description.hasPrefix("MPI_Test failed: "))
    }

    func testBarrierAndWallTime() throws {
        let world = try Communicator.world()
        let start = Communicator.wallTime()
        try world.barrier()
        XCTAssertGreaterThanOrEqual(Communicator.wallTime(), start)
    }
}
