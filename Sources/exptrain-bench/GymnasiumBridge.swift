import ExptrainEnvironment
import ExptrainGymnasium
import ExptrainRandom
import Foundation

/// The Gymnasium bridge's overhead: one batch step of 4 HalfCheetah-v5 environments
/// through exptrain (a `GymnasiumTaskBatch`: one round trip to the worker's
/// `SyncVectorEnv`), next to the same vector environment stepped in a plain Python loop
/// (a second Python process, told how many steps to time), with uniform actions. The
/// repetitions alternate, ours then the loop's, so that a shared machine's load hits both
/// alike. Needs `EXPTRAIN_PYTHON` with Gymnasium and MuJoCo; without them the figure is
/// left out, with a note on standard error.
func measureGymnasiumBridge(environments: Int = 4, id: String = "HalfCheetah-v5") {
    let name = "gymnasium_bridge_\(id.lowercased().replacingOccurrences(of: "-", with: "_"))_batch_step_\(environments)"
    let batch: any TaskBatch
    let loop: PythonLoop
    do {
        let sampler = try GymnasiumTaskSampler(GymnasiumSamplerArgs(environment: try GymnasiumEnvironment(id: id), seed: 1))
        guard let made = try sampler.makeBatch(environments: environments, endless: true) else { return }
        batch = made
        loop = try PythonLoop(id: id, environments: environments)
    } catch {
        FileHandle.standardError.write(Data("bench: \(name) not measured: \(error)\n".utf8))
        return
    }
    guard case .box(let box) = batch.actionSpace else { return }
    var generator = RandomGenerator(seed: 3)
    let actions: [[Action]] = (0..<64).map { _ in
        (0..<environments).map { _ in .continuous((0..<box.size).map { _ in generator.nextUniform() * 2 - 1 }) }
    }
    let outcome = BatchStepOutcome(environments: environments)
    var step = 0
    let calls = callsPerRepetition(target: 0.2) {
        try! batch.step(actions[step % actions.count], into: outcome)
        step += 1
    }
    let clock = ContinuousClock()
    var ours: [Double] = []
    var reference: [Double] = []
    for _ in 0..<(3 * repetitions) {
        ours.append(seconds(clock.measure {
            for _ in 0..<calls {
                try! batch.step(actions[step % actions.count], into: outcome)
                step += 1
            }
        }) / Double(calls))
        guard let time = loop.secondsPerStep(calls: calls) else {
            FileHandle.standardError.write(Data("bench: \(name) not measured: the Python loop stopped\n".utf8))
            return
        }
        reference.append(time)
    }
    let (value, referenceValue) = (median(ours) * 1e6, median(reference) * 1e6)
    report(
        name, value: value, unit: "µs", reference: referenceValue, ratio: value / referenceValue,
        extra: ["reference_source": "the same SyncVectorEnv (same-step autoreset) stepped in a Python loop by \(GymnasiumWorkerSettings.defaultPython), alternating with ours"],
        target: "ratio <= 1.25", met: value / referenceValue <= 1.25)
}

/// A Python process holding the same vector environment: each line it reads is a number
/// of steps to take, and it answers with the seconds per step.
private final class PythonLoop {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()

    init(id: String, environments: Int) throws {
        let script = """
            import sys, time
            import gymnasium as gym, numpy as np
            from gymnasium.vector import AutoresetMode, SyncVectorEnv
            envs = SyncVectorEnv([lambda: gym.make("\(id)")] * \(environments), copy=False, autoreset_mode=AutoresetMode.SAME_STEP)
            envs.reset(seed=list(range(\(environments))))
            shape = (64, \(environments)) + envs.single_action_space.shape
            actions = np.random.default_rng(3).uniform(-1, 1, shape).astype(envs.single_action_space.dtype)
            step = 0
            for line in sys.stdin:
                calls = int(line)
                start = time.perf_counter()
                for _ in range(calls):
                    envs.step(actions[step % 64])
                    step += 1
                print((time.perf_counter() - start) / calls, flush=True)
            """
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [GymnasiumWorkerSettings.defaultPython, "-c", script]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    func secondsPerStep(calls: Int) -> Double? {
        input.fileHandleForWriting.write(Data("\(calls)\n".utf8))
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            guard !byte.isEmpty else { return nil }
            if byte.first == UInt8(ascii: "\n") { break }
            line += byte
        }
        return Double(String(decoding: line, as: UTF8.self))
    }
}
