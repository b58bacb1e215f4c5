import ArgumentParser
import ExptrainExperiment
import ExptrainMPI
import Foundation

/// `exptrain check-mpi`: exercises the MPI layer across the job and prints what
/// each rank saw, one JSON line per rank (all printed by rank 0).
///
/// Users run it to check a cluster's MPI set-up (`mpirun -np 4 exptrain check-mpi`);
/// the integration tests run it to check exact broadcast and all-reduce results.
/// `--fail-on-rank R` makes rank R fail before the collectives so that one can
/// see the whole job end instead of hanging.
struct CheckMPICommand: RunnableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-mpi",
        abstract: "Check the MPI set-up: ranks, nodes, broadcast and all-reduce, one JSON line per rank."
    )

    @Option(name: .long, help: "Make this rank fail before the collectives (tests that the job ends).")
    var failOnRank: Int?

    struct RequestedFailure: Error, CustomStringConvertible {
        let rank: Int
        var description: String { "failing on purpose at rank \(rank) (--fail-on-rank \(rank))" }
    }

    func execute(registry: ExperimentRegistry) throws {
        let world = try Communicator.world()
        if failOnRank == world.rank {
            throw RequestedFailure(rank: world.rank)
        }
        let report = try MPICheck.run(on: world)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Rank 0 prints every rank's line: lines written by several ranks at once can
        // interleave in mpirun's output.
        for line in try world.allGatherVariable(Array(try encoder.encode(report)), label: "check-mpi reports") where world.rank == 0 {
            print(String(decoding: line, as: UTF8.self))
        }
    }
}

/// The probe values of `check-mpi`; the integration tests recompute the expected
/// results from the same definitions, written out independently there.
enum MPICheck {
    /// What one rank saw. Numbers are hexadecimal bit patterns so that the checks
    /// can be exact (JSON numbers would round floats and large integers).
    struct Report: Encodable {
        var rank, size, localRank, localSize: Int
        var host: String
        var broadcast: [String: [String]] = [:]
        var broadcastString = ""
        var allReduce: [String: [String]] = [:]
        var allGather: [Int64] = []
        var arrivals: Int = 0
    }

    static let rootString = "exptrain ✓ broadcast from rank 0 → 世界"

    static func run(on world: Communicator) throws -> Report {
        let rank = world.rank
        var report = Report(
            rank: rank, size: world.size, localRank: world.localRank, localSize: world.localSize,
            host: world.processorName)

        // Non-root ranks start with other lengths and contents, so a broadcast that
        // kept either would show.
        var bytes: [UInt8] = rank == 0 ? (0...255).map { UInt8($0) } : [UInt8](repeating: 7, count: rank)
        var floats: [Float] = rank == 0
            ? [.pi, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1e-7, -3.5] : [1, 2]
        var doubles: [Double] = rank == 0 ? [.pi, 1.0 / 3.0, -1e300, .leastNonzeroMagnitude] : []
        var unsigned: [UInt64] = rank == 0 ? [0, 1, .max, 0xDEAD_BEEF_CAFE_BABE] : [42]
        var text = rank == 0 ? rootString : "rank \(rank) text"
        try world.broadcast(&bytes, root: 0)
        try world.broadcast(&floats, root: 0)
        try world.broadcast(&doubles, root: 0)
        try world.broadcast(&unsigned, root: 0)
        try world.broadcast(&text, root: 0)
        report.broadcast["bytes"] = hex(bytes.map { UInt64($0) })
        report.broadcast["float"] = hex(floats.map { UInt64($0.bitPattern) })
        report.broadcast["double"] = hex(doubles.map(\.bitPattern))
        report.broadcast["uint64"] = hex(unsigned)
        report.broadcastString = text

        // Values whose sums are exact in any order, so results compare bit for bit.
        let floatProbe: [Float] = [Float(rank) + 1, Float(rank) * 0.5 - 1, Float(1 << rank)]
        let doubleProbe: [Double] = [Double(rank) * 0.25 + 3, -Double(rank * rank), Double(1 << (rank + 20))]
        let integerProbe: [Int64] = [Int64(rank) * 1_000_000_000_000 + 7, -Int64(rank + 1), (rank % 2 == 0 ? 1 : -1) << 40]
        for operation in ReductionOperation.allCases {
            var f = floatProbe
            var d = doubleProbe
            var i = integerProbe
            try world.allReduce(&f, operation)
            try world.allReduce(&d, operation)
            try world.allReduce(&i, operation)
            report.allReduce["float_\(operation.rawValue)"] = hex(f.map { UInt64($0.bitPattern) })
            report.allReduce["double_\(operation.rawValue)"] = hex(d.map(\.bitPattern))
            report.allReduce["int64_\(operation.rawValue)"] = hex(i.map { UInt64(bitPattern: $0) })
        }
        report.allGather = try world.allGather([Int64(rank) * 10, Int64(rank) * 10 + 1])
        let board = ArrivalBoard(world)
        try board.beginRound()
        try board.arrive()
        try world.barrier()
        while try board.arrivedCount() < world.size {}
        report.arrivals = try board.arrivedCount()
        try board.endRound()
        return report
    }

    private static func hex(_ values: [UInt64]) -> [String] {
        values.map { String($0, radix: 16) }
    }
}
