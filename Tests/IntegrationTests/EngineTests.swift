import Foundation
import XCTest

/// Real `mpirun` training jobs of the built binaries, checked through what they write:
/// probe files, logs, checkpoints, results. Small step budgets keep them fast.
final class EngineTests: XCTestCase {
    // MARK: The rank contract

    func testRankContractAndIdenticalParametersOnTwoAndThreeRanks() throws {
        for np in [2, 3] {
            let folder = try JobRunner.temporaryFolder(for: self)
            let result = try JobRunner.mpirun(
                np: np,
                ["slot-probe", "--seed", "5", "--max-steps", "2048", "--quiet", "--output-dir", folder.path,
                 "--config", "probeDir=\(folder.path)", "--config", "gpuIDs=3,5"],
                binary: JobRunner.harnessBinary)
            XCTAssertEqual(result.status, 0, result.standardError)

            let run = try runFolder(folder, tag: "slot-probe")
            let config = try jsonObject(run.appendingPathComponent("config.json"))
            let seeds = try XCTUnwrap(config["seeds"] as? [String])
            XCTAssertEqual(seeds.count, np)
            XCTAssertEqual(config["world_size"] as? Int, np)
            for rank in 0..<np {
                let slot = try jsonObject(folder.appendingPathComponent("train-slot-\(rank).json"))
                XCTAssertEqual(slot["processIndex"] as? Int, rank, "np \(np)")
                XCTAssertEqual(slot["totalProcesses"] as? Int, np, "np \(np)")
                XCTAssertEqual(slot["seeds"] as? [String], seeds, "rank \(rank) received rank 0's seeds")
                // One node: local rank = rank, so devices cycle through [3, 5].
                let expectedDevice = [3, 5][rank % 2]
                XCTAssertEqual(slot["devices"] as? [Int], [expectedDevice], "rank \(rank) of \(np)")
                XCTAssertEqual(slot["cudaVisibleDevices"] as? String, String(expectedDevice))
            }
            XCTAssertEqual(Set(loggedValues(result.standardError, after: "seeds ")).count, 1, "seed digests differ: \(result.standardError)")
            let parameters = loggedValues(result.standardError, after: "parameters ")
            XCTAssertEqual(parameters.count, np, result.standardError)
            XCTAssertEqual(Set(parameters).count, 1, "ranks ended with different parameters: \(result.standardError)")
        }
    }

    // MARK: Normalisation shared by all ranks

    /// pendulum-ppo normalises observations and rewards: three ranks merge their sums in
    /// the update's collective, so all end with the same statistic and parameters, and the
    /// checkpoint keeps the statistic.
    func testNormalisationIsIdenticalOnThreeRanksAndSaved() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        let result = try JobRunner.mpirun(np: 3, ["pendulum-ppo", "--seed", "4", "--max-steps", "4608", "--quiet", "--output-dir", folder.path] + smallPendulum)
        XCTAssertEqual(result.status, 0, result.standardError)
        let statistics = loggedValues(result.standardError, after: "normalization ")
        XCTAssertEqual(statistics.count, 3, result.standardError)
        XCTAssertEqual(Set(statistics).count, 1, "ranks normalise differently: \(result.standardError)")
        XCTAssertEqual(Set(loggedValues(result.standardError, after: "parameters ")).count, 1, result.standardError)

        let checkpoint = try XCTUnwrap(checkpointFiles(runFolder(folder, tag: "pendulum-ppo")).last)
        let count = try checkpointDoubles(checkpoint, "normalization.observation.count")
        // One observation per environment step of every rank (straggler preemption may cut
        // rollouts short, so the steps are read from the checkpoint), plus the 3 first ones.
        let steps = try XCTUnwrap(Double(checkpointMetadata(checkpoint)["total_steps"] ?? ""))
        XCTAssertEqual(count.first ?? 0, 1e-4 + steps + 3, accuracy: 1e-6)
        let variance = try checkpointDoubles(checkpoint, "normalization.observation.variance")
        XCTAssertEqual(variance.count, 3)
        XCTAssertTrue(variance.allSatisfy { $0 > 0 && $0 != 1 }, "\(variance)")
        XCTAssertEqual(try checkpointDoubles(checkpoint, "normalization.reward.count").count, 1)
    }

    /// A resumed run continues the checkpoint's statistic instead of starting a new one.
    func testResumeContinuesTheNormalisationStatistic() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        let common = ["pendulum-ppo", "--seed", "6", "--quiet", "--output-dir", folder.path] + smallPendulum
        let first = try JobRunner.mpirun(np: 2, common + ["--max-steps", "2048"])
        XCTAssertEqual(first.status, 0, first.standardError)
        let run = try runFolder(folder, tag: "pendulum-ppo")
        let before = try checkpointDoubles(checkpointFiles(run).last!, "normalization.observation.count")[0]
        let second = try JobRunner.mpirun(np: 2, common + ["--resume", "--max-steps", "4096"])
        XCTAssertEqual(second.status, 0, second.standardError)
        let after = try checkpointDoubles(checkpointFiles(run).last!, "normalization.observation.count")[0]
        // The resumed run's 2048 steps add to the saved count, and nothing else: it continues its
        // episodes from the saved observations (already counted) as the uninterrupted run would.
        XCTAssertEqual(after, before + 2048, accuracy: 1e-6)
    }

    /// Settings that make pendulum-ppo's updates small: 256 steps of one environment per rank.
    private var smallPendulum: [String] {
        ["--config", "environmentsPerProcess=1", "--config", "numSteps=256", "--config", "numMiniBatch=4",
         "--config", "updateRepeats=2", "--config", "saveInterval=2048"]
    }

    // MARK: Determinism and resume

    func testSameSeedGivesBitIdenticalCheckpoints() throws {
        var checkpoints: [Data] = []
        for _ in 0..<2 {
            let folder = try JobRunner.temporaryFolder(for: self)
            let result = try JobRunner.mpirun(np: 2, ["cartpole-ppo", "--seed", "9", "--max-steps", "4096", "--quiet", "--output-dir", folder.path])
            XCTAssertEqual(result.status, 0, result.standardError)
            let files = try checkpointFiles(runFolder(folder, tag: "cartpole-ppo"))
            XCTAssertEqual(files.map(\.lastPathComponent), ["step-000000004096.safetensors"])
            checkpoints.append(try Data(contentsOf: files[0]))
        }
        XCTAssertEqual(checkpoints[0], checkpoints[1], "two runs with --seed 9 wrote different checkpoints")

        let folder = try JobRunner.temporaryFolder(for: self)
        _ = try JobRunner.mpirun(np: 2, ["cartpole-ppo", "--seed", "10", "--max-steps", "4096", "--quiet", "--output-dir", folder.path])
        let other = try Data(contentsOf: checkpointFiles(runFolder(folder, tag: "cartpole-ppo"))[0])
        XCTAssertNotEqual(other, checkpoints[0], "a different seed should train differently")
    }

    func testResumeContinuesStepsStageAndOptimizerState() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        let common = ["slot-probe", "--seed", "3", "--quiet", "--output-dir", folder.path]
        let first = try JobRunner.mpirun(np: 2, common + ["--max-steps", "2048"], binary: JobRunner.harnessBinary)
        XCTAssertEqual(first.status, 0, first.standardError)
        let run = try runFolder(folder, tag: "slot-probe")
        let firstMetadata = try checkpointMetadata(checkpointFiles(run).last!)
        XCTAssertEqual(firstMetadata["total_steps"], "2048")
        // 2048 steps / (32 steps × 2 envs × 2 ranks) = 16 updates, × 2 epochs × 2 minibatches.
        XCTAssertEqual(firstMetadata["optimizer_step_count"], "64")

        let second = try JobRunner.mpirun(np: 2, common + ["--resume", "--max-steps", "4096"], binary: JobRunner.harnessBinary)
        XCTAssertEqual(second.status, 0, second.standardError)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("slot-probe").path).count, 1,
                       "--resume continues in the same run folder")
        let last = try checkpointMetadata(checkpointFiles(run).last!)
        XCTAssertEqual(last["total_steps"], "4096")
        XCTAssertEqual(last["optimizer_step_count"], "128", "the optimiser's step count continues")
        XCTAssertEqual(last["stage_index"], "0")
        XCTAssertEqual(last["seeds"], firstMetadata["seeds"], "a resumed run keeps its seeds")
        let steps = try metricsLines(run).compactMap { $0["step"] as? Int }
        XCTAssertEqual(steps, steps.sorted(), "steps only grow across the resume")
        XCTAssertEqual(steps.last, 4096)
        XCTAssertTrue(steps.contains(2048) && steps.contains(2560), "the log continues after step 2048: \(steps)")
    }

    // MARK: Bad checkpoints and bad input

    func testCorruptOrMismatchedCheckpointExitsThree() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        let trained = try JobRunner.mpirun(np: 2, ["cartpole-ppo", "--seed", "1", "--max-steps", "2048", "--quiet", "--output-dir", folder.path])
        XCTAssertEqual(trained.status, 0, trained.standardError)
        let checkpoint = try checkpointFiles(runFolder(folder, tag: "cartpole-ppo"))[0]
        let bytes = try Data(contentsOf: checkpoint)

        let truncated = folder.appendingPathComponent("truncated.safetensors")
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        let corrupt = folder.appendingPathComponent("corrupt.safetensors")
        var garbled = bytes
        garbled.replaceSubrange(8..<16, with: Data("{not json".utf8).prefix(8))
        try garbled.write(to: corrupt)

        let cases: [(tag: String, path: String, expected: String)] = [
            ("cartpole-ppo", truncated.path, "truncated"),
            ("cartpole-ppo", corrupt.path, "corrupt"),
            ("cartpole-ppo", folder.appendingPathComponent("missing.safetensors").path, "missing.safetensors"),
            ("minigrid-empty-ppo", checkpoint.path, "was made by experiment 'cartpole-ppo'"),
        ]
        for (tag, path, expected) in cases {
            let result = try JobRunner.mpirun(np: 2, [tag, "--checkpoint", path, "--max-steps", "1024", "--quiet", "--output-dir", folder.path])
            XCTAssertEqual(result.status, 3, "\(tag) \(path): \(result.standardError)")
            XCTAssertFalse(result.timedOut)
            XCTAssertTrue(result.standardError.contains(expected), "\(tag) \(path): \(result.standardError)")
        }
        let otherShape = try JobRunner.mpirun(np: 2, ["cartpole-a2c", "--checkpoint", checkpoint.path, "--quiet", "--output-dir", folder.path])
        XCTAssertEqual(otherShape.status, 3, otherShape.standardError)
    }

    func testBadConfigIsExitTwoListingTheKeys() throws {
        let result = try JobRunner.mpirun(np: 2, ["cartpole-ppo", "--config", "numStep=3", "--quiet"])
        XCTAssertEqual(result.status, 2, result.standardError)
        XCTAssertTrue(result.standardError.contains("cartpole-ppo has no setting 'numStep'; its settings are: environments, environmentsPerProcess,"), result.standardError)
        let bad = try JobRunner.exptrain(["cartpole-ppo", "--config", "numSteps=many"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.standardError.contains("expected an integer"), bad.standardError)
    }

    func testBadMachineParamsNameExperimentModeAndValueOnEveryRank() throws {
        for (key, expected) in [
            ("nprocesses=-1", "slot-probe: machineParams(mode: .train): nprocesses must be a non-negative integer, got -1"),
            ("gpuIDs=0,-2", "slot-probe: machineParams(mode: .train): gpuIDs must be non-negative integers, got -2 in [0, -2]"),
        ] {
            let result = try JobRunner.mpirun(
                np: 2, ["slot-probe", "--config", key, "--quiet", "--output-dir", NSTemporaryDirectory()],
                binary: JobRunner.harnessBinary, timeout: 60)
            XCTAssertFalse(result.timedOut)
            XCTAssertEqual(result.status, 2, result.standardError)
            XCTAssertTrue(result.standardError.contains(expected), result.standardError)
        }
    }

    func testFailureInOneRanksExperimentEndsTheJob() throws {
        let result = try JobRunner.mpirun(
            np: 3, ["slot-probe", "--config", "failOnProcess=2", "--max-steps", "1024", "--quiet", "--output-dir", NSTemporaryDirectory()],
            binary: JobRunner.harnessBinary, timeout: 60)
        XCTAssertFalse(result.timedOut, "the job hung after rank 2 failed")
        XCTAssertEqual(result.status, 2, result.standardError)
        XCTAssertTrue(result.standardError.contains("rank 2 of 3") && result.standardError.contains("fails on process 2"), result.standardError)
    }

    // MARK: Evaluation

    func testTestModeSplitsEpisodesAcrossRanks() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        let trained = try JobRunner.mpirun(
            np: 2, ["slot-probe", "--seed", "4", "--max-steps", "2048", "--quiet", "--output-dir", folder.path],
            binary: JobRunner.harnessBinary)
        XCTAssertEqual(trained.status, 0, trained.standardError)
        let run = try runFolder(folder, tag: "slot-probe")

        let tested = try JobRunner.mpirun(
            np: 3, ["slot-probe", "--mode", "test", "--checkpoint", run.path, "--config", "testEpisodes=10",
                    "--config", "probeDir=\(folder.path)", "--quiet"],
            binary: JobRunner.harnessBinary)
        XCTAssertEqual(tested.status, 0, tested.standardError)
        let results = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("test-results.json"))) as? [[String: Any]])
        XCTAssertEqual(results.count, try checkpointFiles(run).count, "one result per checkpoint")
        for result in results {
            XCTAssertEqual(result["episodes"] as? Int, 10, "all 10 test episodes, split over 3 ranks (4 + 3 + 3)")
            XCTAssertNotNil(result["episode_return"] as? Double)
        }
        XCTAssertEqual(results.compactMap { $0["step"] as? Int }, [1024, 2048])
        for rank in 0..<3 {
            let slot = try jsonObject(folder.appendingPathComponent("test-slot-\(rank).json"))
            XCTAssertEqual(slot["totalProcesses"] as? Int, 3)
        }
    }

    func testValidationRunsOnEachCheckpointDuringTraining() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        let result = try JobRunner.mpirun(
            np: 2, ["slot-probe", "--seed", "2", "--max-steps", "2048", "--quiet", "--output-dir", folder.path,
                    "--config", "validEpisodes=4"],
            binary: JobRunner.harnessBinary)
        XCTAssertEqual(result.status, 0, result.standardError)
        let run = try runFolder(folder, tag: "slot-probe")
        let records = try jsonLines(in: run.appendingPathComponent("valid.jsonl"))
        XCTAssertEqual(records.compactMap { $0["step"] as? Int }, [1024, 2048])
        XCTAssertEqual(records.compactMap { $0["episodes"] as? Int }, [4, 4])
    }

    // MARK: Helpers

    /// The F64 tensor `name` of a safetensors file, read with Foundation (independently of exptrain's reader).
    private func checkpointDoubles(_ file: URL, _ name: String) throws -> [Double] {
        let bytes = try Data(contentsOf: file)
        let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + headerLength))) as? [String: Any])
        let entry = try XCTUnwrap(header[name] as? [String: Any], "\(file.lastPathComponent) has no tensor \(name)")
        XCTAssertEqual(entry["dtype"] as? String, "F64")
        let offsets = try XCTUnwrap(entry["data_offsets"] as? [Int])
        let data = bytes.subdata(in: (8 + headerLength + offsets[0])..<(8 + headerLength + offsets[1]))
        return stride(from: 0, to: data.count, by: 8).map { start in
            Double(bitPattern: data[(data.startIndex + start)..<(data.startIndex + start + 8)].enumerated().reduce(UInt64(0)) {
                $0 | UInt64($1.element) << (8 * UInt64($1.offset))
            })
        }
    }

    // MARK: OpenBLAS's kernels

    /// Unless `OPENBLAS_CORETYPE` names a family, every rank runs the fastest OpenBLAS
    /// kernels the processor has instructions for (SkylakeX with AVX-512, Haswell with AVX2
    /// and FMA), whatever OpenBLAS detects, and so learns the parameters of a run pinned to
    /// that family; a family the user names is kept, and pinning Haswell on an AVX-512
    /// machine learns other parameters (the families sum in different orders).
    func testRanksRunTheFastestOpenBLASKernelsUnlessTheUserNamesOthers() throws {
        let flags = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8).split(separator: "\n")
            .first { $0.hasPrefix("flags") }.map { Set($0.split(separator: " ")) } ?? []
        try XCTSkipUnless(flags.contains("avx2") && flags.contains("fma"), "this processor has no AVX2 and FMA: OpenBLAS's own choice stays")
        let avx512 = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy { flags.contains(Substring($0)) }
        let fastest = avx512 ? "SkylakeX" : "Haswell"
        func run(coreType: String?) throws -> (kernels: String?, parameters: [String]) {
            let folder = try JobRunner.temporaryFolder(for: self)
            let result = try JobRunner.mpirun(
                np: 2, ["cartpole-ppo", "--seed", "3", "--max-steps", "1024", "--quiet", "--output-dir", folder.path],
                environment: ["OPENBLAS_CORETYPE": coreType])
            XCTAssertEqual(result.status, 0, result.standardError)
            let config = try jsonObject(try runFolder(folder, tag: "cartpole-ppo").appendingPathComponent("config.json"))
            XCTAssertEqual(config["subnormals_flushed_to_zero"] as? Bool, true, "rank 0 trained with subnormal floats")
            return (config["blas_kernels"] as? String, loggedValues(result.standardError, after: "parameters "))
        }
        let chosen = try run(coreType: nil)
        let pinned = try run(coreType: fastest)
        XCTAssertEqual(chosen.kernels, fastest)
        XCTAssertEqual(chosen.parameters.count, 2)
        XCTAssertEqual(chosen.parameters, pinned.parameters, "the default kernels learned other parameters than \(fastest)'s")
        let portable = try run(coreType: "Haswell")
        XCTAssertEqual(portable.kernels, "Haswell", "the user's OPENBLAS_CORETYPE was not kept")
        if avx512 {
            XCTAssertNotEqual(portable.parameters, chosen.parameters, "Haswell's and SkylakeX's kernels learned the same parameters")
        }
        XCTAssertEqual(try run(coreType: "Prescott").kernels, "Prescott", "the user's OPENBLAS_CORETYPE was not kept")
    }

    /// The element-wise kernels run on the widest vector unit the processor has (AVX-512,
    /// AVX2) or, with `EXPTRAIN_VECTOR_LANES=0`, as portable Swift loops: every width learns
    /// the same parameters, in the fused PPO step (cartpole-ppo) and on the tape
    /// (minigrid-empty-ppo's embedding model), and `config.json` records the width.
    func testEveryVectorWidthLearnsTheSameParameters() throws {
        let flags = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8).split(separator: "\n")
            .first { $0.hasPrefix("flags") }.map { Set($0.split(separator: " ")) } ?? []
        let widths = [("0", "portable")] + (flags.contains("avx2") ? [("8", "avx2")] : []) + (flags.contains("avx512f") ? [("16", "avx512")] : [])
        for tag in ["cartpole-ppo", "minigrid-empty-ppo"] {
            var digests: [String: [String]] = [:]
            for (lanes, name) in widths {
                let folder = try JobRunner.temporaryFolder(for: self)
                let result = try JobRunner.mpirun(
                    np: 2, [tag, "--seed", "5", "--max-steps", "2048", "--quiet", "--output-dir", folder.path],
                    environment: ["EXPTRAIN_VECTOR_LANES": lanes])
                XCTAssertEqual(result.status, 0, result.standardError)
                let config = try jsonObject(try runFolder(folder, tag: tag).appendingPathComponent("config.json"))
                XCTAssertEqual(config["vector_kernels"] as? String, name, "\(tag) with EXPTRAIN_VECTOR_LANES=\(lanes)")
                digests[name] = loggedValues(result.standardError, after: "parameters ")
                XCTAssertEqual(digests[name]?.count, 2, result.standardError)
            }
            XCTAssertEqual(Set(digests.values).count, 1, "\(tag) learned different parameters by vector width: \(digests)")
        }
    }

    /// The `__metadata__` of a safetensors file, read with Foundation (independently of exptrain's reader).
    private func checkpointMetadata(_ file: URL) throws -> [String: String] {
        let bytes = try Data(contentsOf: file)
        let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + headerLength))) as? [String: Any])
        return try XCTUnwrap(header["__metadata__"] as? [String: String])
    }

    private func metricsLines(_ run: URL) throws -> [[String: Any]] {
        try jsonLines(in: run.appendingPathComponent("metrics.jsonl"))
    }

    private func jsonObject(_ file: URL) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any], file.path)
    }
}
