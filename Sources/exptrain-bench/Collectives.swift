import CMPI
import ExptrainMPI
import ExptrainNN

/// Our all-reduce next to a raw in-place `MPI_Allreduce` of the same floats, in the same
/// run (run under `mpirun -np 2`). Three forms per size, alternated round by round:
/// - raw: `MPI_Allreduce(MPI_IN_PLACE, buffer, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD)`;
/// - `Communicator.allReduce(buffer, .sum)` on the same buffer;
/// - the gradient all-reduce exactly as the trainer calls it inside an update,
///   `model.parameters.withGradients { try world.allReduce($0, .sum) }`, on the real
///   cartpole model (MLPActorCritic 64-64, 9,155 parameters) and on parameter stores of
///   1M and 10M floats.
func allReduceComparison() {
    let world = Reporting.world()
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
        let gradientCall = { try! store.withGradients { try world.allReduce($0, .sum) } }
        let times = collectiveTimes(world: world, [rawCall, oursCall, gradientCall])
        let (rawTime, oursTime, gradientTime) = (times[0], times[1], times[2])
        let floats = String(count)
        report("allreduce_raw_mpi_\(label)_time", value: rawTime * 1e6, unit: "µs",
               extra: ["note": "raw in-place MPI_Allreduce of \(floats) float32, \(world.size) ranks, median"])
        report("allreduce_communicator_\(label)_time", value: oursTime * 1e6, unit: "µs",
               reference: rawTime * 1e6, ratio: oursTime / rawTime,
               extra: ["reference_source": "raw MPI_Allreduce of the same buffer, same run", "note": "Communicator.allReduce, \(floats) floats"])
        report("allreduce_gradients_\(label)_time", value: gradientTime * 1e6, unit: "µs",
               reference: rawTime * 1e6, ratio: gradientTime / rawTime,
               extra: ["reference_source": "raw MPI_Allreduce of the same gradient buffer, same run",
                       "note": "parameters.withGradients { world.allReduce($0, .sum) } as in OnPolicyTrainer.update, \(floats) floats"],
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

/// Median seconds per call of each collective. The calls alternate one by one (a, b, c,
/// a, b, c, …), each timed on its own, so that a rank descheduled by other work on a
/// shared machine slows every form alike; 7 repetitions of a call count fixed by rank 0
/// (so every rank makes the same calls), each after a barrier.
func collectiveTimes(world: Communicator, _ bodies: [() -> Void]) -> [Double] {
    for body in bodies { body() }  // warm-up: first touch, MPI's connection set-up
    let clock = ContinuousClock()
    try! world.barrier()
    var estimate = [seconds(clock.measure { for _ in 0..<5 { bodies[0]() } }) / 5]
    try! estimate.withUnsafeMutableBufferPointer { try world.broadcast($0, root: 0) }
    let calls = max(10, min(5_000, Int(0.15 / max(estimate[0], 1e-7))))
    var times = [[Double]](repeating: [], count: bodies.count)
    for _ in 0..<7 {
        try! world.barrier()
        for _ in 0..<calls {
            for (index, body) in bodies.enumerated() {
                times[index].append(seconds(clock.measure { body() }))
            }
        }
    }
    return times.map(median)
}
