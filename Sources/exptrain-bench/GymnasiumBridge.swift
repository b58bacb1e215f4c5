import ExptrainEnvironment
import ExptrainGymnasium
import ExptrainRandom
import Foundation

/// The Gymnasium bridge's overhead: one batch step of 4 HalfCheetah-v5 environments
/// through exptrain (a `GymnasiumTaskBatch`: one round trip to the worker's
/// `SyncVectorEnv`), next to the same vector environment stepped in a plain Python loop,
/// in the same run, with the same precomputed uniform actions. Needs `EXPTRAIN_PYTHON`
/// with Gymnasium and MuJoCo; without them the figure is left out, with a note on standard error.
func measureGymnasiumBridge(environments: Int = 4, id: String = "HalfCheetah-v5") {
    let name = "gymnasium_bridge_\(id.lowercased().replacingOccurrences(of: "-", with: "_"))_batch_step_\(environments)"
    let batch: any TaskBatch
    do {
        let sampler = try GymnasiumTaskSampler(GymnasiumSamplerArgs(environment: try GymnasiumEnvironment(id: id), seed: 1))
        guard let made = try sampler.makeBatch(environments: environments, endless: true) else { return }
        batch = made
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
    let oursTimes = secondsPerCall(target: 0.5) {
        try! batch.step(actions[step % actions.count], into: outcome)
        step += 1
    }
    let reference = pythonLoopSecondsPerStep(id: id, environments: environments, repetitions: repetitions)
    let ours = median(oursTimes) * 1e6
    guard let reference else {
        report(name, value: ours, unit: "µs", extra: ["note": "the plain Python loop could not be timed"])
        return
    }
    report(
        name, value: ours, unit: "µs", reference: reference * 1e6, ratio: ours / (reference * 1e6),
        extra: ["reference_source": "the same SyncVectorEnv (same-step autoreset) stepped in a Python loop by \(GymnasiumWorkerSettings.defaultPython), same run"],
        target: "ratio <= 1.25", met: ours / (reference * 1e6) <= 1.25)
}

/// Median seconds per `step` of the vector environment in a Python loop.
private func pythonLoopSecondsPerStep(id: String, environments: Int, repetitions: Int) -> Double? {
    let script = """
        import statistics, sys, time
        import gymnasium as gym, numpy as np
        from gymnasium.vector import AutoresetMode, SyncVectorEnv
        envs = SyncVectorEnv([lambda: gym.make("\(id)")] * \(environments), copy=False, autoreset_mode=AutoresetMode.SAME_STEP)
        envs.reset(seed=list(range(\(environments))))
        shape = (64, \(environments)) + envs.single_action_space.shape
        actions = np.random.default_rng(3).uniform(-1, 1, shape).astype(envs.single_action_space.dtype)
        calls = 1
        while True:
            start = time.perf_counter()
            for i in range(calls): envs.step(actions[i % 64])
            if time.perf_counter() - start > 0.5: break
            calls *= 2
        times = []
        for _ in range(\(repetitions)):
            start = time.perf_counter()
            for i in range(calls): envs.step(actions[i % 64])
            times.append((time.perf_counter() - start) / calls)
        print(statistics.median(times))
        """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [GymnasiumWorkerSettings.defaultPython, "-c", script]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return nil }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return Double(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
}
