import CMPI
import ExptrainMPI
import ExptrainNN

/// Our all-reduce next to a raw in-place `MPI_Allreduce` of the same floats, in the same
/// run (run under `mpirun -np 2`). Four forms per size, alternated call by call:
/// - raw: `MPI_Allreduce(MPI_IN_PLACE, buffer, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD)`;
/// - `Communicator.allReduce(buffer, .sum)` on the same buffer (unbounded: the blocking call);
/// - the same on a bounded communicator (`bounded(by: 300)`: `MPI_Iallreduce` polled with
///   `MPI_Test` against the deadline), next to the blocking one;
/// - the gradient all-reduce exactly as the trainer runs it inside an update, on the
///   bounded world the engine runs with: a `PersistentAllReduce` of
///   `model.parameters.withGradients { $0 }` (MPI's persistent all-reduce, started and
///   waited for against the deadline), on the real cartpole model (MLPActorCritic 64-64,
///   9,155 parameters) and on parameter stores of 1M and 10M floats.
func allReduceComparison() {
    let world = Reporting.world()
    // The engine's default bound (RunOptions.collectiveTimeout).
    let bounded = world.bounded(by: 300)
    let cartpole = MLPActorCritic(observationSize: 4, actionCount: 2, seed: 1)
    cartpole.parameters.zeroGradients()
    let cases: [(label: String, store: ParameterStore)] = [
        ("cartpole_model", cartpole.parameters),
        ("1M", flatStore(count: 1_000_000)),
        ("10M", flatStore(count: 10_000_000)),
    ]
    for (label, store) in cases {
        let count = store.count
        // All three work on the same bytes, the store's gradient buffer, so that each finds
        // it in the cache state the previous call left (alternating between two 4 MB
        // buffers would favour whichever form runs second on the same buffer).
        let raw = store.withGradients { $0 }
        let rawCall = {
            let code = MPI_Allreduce(cmpi_in_place(), raw.baseAddress, Int32(count), cmpi_float(), cmpi_op_sum(), cmpi_comm_world())
            precondition(code == cmpi_success(), "MPI_Allreduce failed")
        }
        let oursCall = { try! world.allReduce(raw, .sum) }
        let boundedCall = { try! bounded.allReduce(raw, .sum) }
        let update = 17
        let gradients = try! bounded.persistentAllReduce(store.withGradients { $0 }, .sum)
        let gradientCall = { try! gradients.run(label: "gradient all-reduce of update \(update)") }
        let times = collectiveTimes(world: world, [rawCall, oursCall, boundedCall, gradientCall])
        let (rawTime, oursTime, boundedTime, gradientTime) = (times[0], times[1], times[2], times[3])
        let floats = String(count)
        report("allreduce_raw_mpi_\(label)_time", value: rawTime * 1e6, unit: "µs",
               extra: ["note": "raw in-place MPI_Allreduce of \(floats) float32, \(world.size) ranks, median"])
        report("allreduce_communicator_\(label)_time", value: oursTime * 1e6, unit: "µs",
               reference: rawTime * 1e6, ratio: oursTime / rawTime,
               extra: ["reference_source": "raw MPI_Allreduce of the same buffer, same run", "note": "Communicator.allReduce, \(floats) floats"])
        report("allreduce_bounded_\(label)_time", value: boundedTime * 1e6, unit: "µs",
               reference: oursTime * 1e6, ratio: boundedTime / oursTime,
               extra: ["reference_source": "the blocking Communicator.allReduce of the same buffer, same run",
                       "note": "bounded Communicator.allReduce (a one-off MPI_Iallreduce + MPI_Test against a 300 s deadline), \(floats) floats"])
        report("allreduce_gradients_\(label)_time", value: gradientTime * 1e6, unit: "µs",
               reference: rawTime * 1e6, ratio: gradientTime / rawTime,
               extra: ["reference_source": "raw MPI_Allreduce of the same gradient buffer, same run",
                       "note": "PersistentAllReduce of parameters.withGradients { $0 } on the bounded world, as in OnPolicyTrainer.update, \(floats) floats"],
               target: "ratio <= 1.1", met: gradientTime / rawTime <= 1.1)
        report("allreduce_gradients_\(label)_bandwidth", value: Double(count * 4) / gradientTime / 1e9, unit: "GB/s",
               extra: ["note": "bytes of the buffer ÷ time of one all-reduce (algorithm bandwidth)"])
    }
}

/// A parameter store holding one `count`-float parameter: the flat gradient buffer of a
/// model of that size.
func flatStore(count: Int) -> ParameterStore {
    let store = ParameterStore()
    _ = store.register("flat", shape: [count], initialValues: [Float](repeating: 0, count: count))
    return store
}

/// Median seconds per call of each collective. The forms alternate in short runs (8
/// calls of a, 8 of b, 8 of c, a, b, c, …), each run timed as a whole, so that a rank
/// descheduled by other work on a shared machine slows every form alike, while each form
/// is timed back to back with itself: the two ranks leave one form's call at different
/// moments (a non-blocking reduction completes on one rank before the other), and
/// alternating call by call would book that skew on the next form's call. 7 repetitions
/// of a call count fixed by rank 0 (so every rank makes the same calls), each after a
/// barrier.
func collectiveTimes(world: Communicator, _ bodies: [() -> Void]) -> [Double] {
    for body in bodies { body() }  // warm-up: first touch, MPI's connection set-up
    let clock = ContinuousClock()
    let run = 8
    try! world.barrier()
    var estimate = [seconds(clock.measure { for _ in 0..<5 { bodies[0]() } }) / 5]
    try! estimate.withUnsafeMutableBufferPointer { try world.broadcast($0, root: 0) }
    let runs = max(2, min(600, Int(0.15 / max(estimate[0] * Double(run), 1e-7))))
    var times = [[Double]](repeating: [], count: bodies.count)
    for _ in 0..<7 {
        try! world.barrier()
        for _ in 0..<runs {
            for (index, body) in bodies.enumerated() {
                times[index].append(seconds(clock.measure { for _ in 0..<run { body() } }) / Double(run))
            }
        }
    }
    return times.map(median)
}
