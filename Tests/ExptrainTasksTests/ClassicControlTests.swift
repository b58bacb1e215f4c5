import ExptrainEnvironment
import ExptrainRandom
import ExptrainTasks
import XCTest

/// One step of a Gymnasium reference episode: the action taken at step `number` and the
/// state, observation (float32 values widened to `Double`), reward and flags after it.
struct ReferenceStep {
    let number: Int
    let action: Action
    let state: [Double]
    let observation: [Double]
    let reward: Double
    let terminated: Bool
    let truncated: Bool

    init(_ number: Int, _ action: Action, _ state: [Double], _ observation: [Double], _ reward: Double, _ terminated: Bool, _ truncated: Bool) {
        self.number = number
        self.action = action
        self.state = state
        self.observation = observation
        self.reward = reward
        self.terminated = terminated
        self.truncated = truncated
    }
}

/// A Gymnasium reference episode. Its steps are in order; where step numbers skip, the
/// left-out steps took the action of the next printed step.
struct ReferenceEpisode {
    let name: String
    let start: [Double]
    let startObservation: [Double]
    /// The sum of the episode's rewards as Python floats.
    let episodeReturn: Double
    let steps: [ReferenceStep]
}

/// Acrobot-v1, MountainCar-v0, MountainCarContinuous-v0 and Pendulum-v1 against Gymnasium.
///
/// The episodes in `ClassicControlReference.swift` were printed by
/// `scripts/oracles/classic_control_reference.py` (Gymnasium 1.4.0, numpy 2.4.6): each
/// sets `env.unwrapped.state` to a fixed start and steps a fixed action sequence or a
/// scripted policy through `gym.make`, so `TimeLimit` truncates. States, observations,
/// rewards and returns are compared bit for bit at every printed step (every step but
/// in the long truncation runs, where a mismatch would still carry to the next printed
/// step): the tasks do Gymnasium's operations in its order and precision, and libm's
/// `cos`, `sin` and `pow` are the ones numpy calls for float64 scalars. The one
/// tolerance is the reset observation of Gymnasium's own float32 Acrobot start (see
/// `testAcrobotFromGymnasiumsOwnResetState`).
final class ClassicControlTests: XCTestCase {
    // MARK: Trajectories

    func testAcrobotMatchesGymnasium() throws {
        for episode in ClassicControlReference.acrobot {
            try replay(episode, makeTask: { AcrobotTask(initialState: acrobotState($0)) }, state: { acrobotVector($0.state) })
        }
    }

    /// `reset` casts Acrobot's start to float32, so Gymnasium computes that observation's
    /// cosines and sines with numpy's own float32 routines rather than libm's float64 ones
    /// rounded to `Float` (as every later observation, of a float64 state, is). They can
    /// differ in the last bit, so only this observation is compared within 1e-6; the
    /// first step widens the state to float64 and from there on all is bit-exact.
    func testAcrobotFromGymnasiumsOwnResetState() throws {
        let episode = try XCTUnwrap(ClassicControlReference.acrobot.first { $0.name == "Gymnasium's reset(seed=7) state" })
        XCTAssertTrue(episode.start.allSatisfy { Double(Float($0)) == $0 }, "Gymnasium's reset state is float32")
        let task = AcrobotTask(initialState: acrobotState(episode.start))
        for (ours, theirs) in zip(task.currentObservation.floats, episode.startObservation) {
            XCTAssertEqual(Double(ours), theirs, accuracy: 1e-6)
        }
        try replay(episode, makeTask: { _ in task }, state: { acrobotVector($0.state) }, checkStartObservation: false)
    }

    func testMountainCarMatchesGymnasium() throws {
        for episode in ClassicControlReference.mountainCar {
            try replay(episode, makeTask: { MountainCarTask(initialState: mountainCarState($0)) }, state: { mountainCarVector($0.state) })
        }
    }

    func testMountainCarContinuousMatchesGymnasium() throws {
        for episode in ClassicControlReference.mountainCarContinuous {
            try replay(
                episode, makeTask: { MountainCarContinuousTask(initialState: mountainCarState($0)) },
                state: { mountainCarVector($0.state) })
        }
    }

    func testPendulumMatchesGymnasium() throws {
        for episode in ClassicControlReference.pendulum {
            try replay(
                episode, makeTask: { PendulumTask(initialState: PendulumState(theta: $0[0], thetaDot: $0[1])) },
                state: { [$0.state.theta, $0.state.thetaDot] })
        }
    }

    /// The reference episodes end the way they were chosen to: the pumping policies reach
    /// the goal, the coasting and swinging runs are cut off at Gymnasium's step limits.
    func testReferenceEpisodesEndAtTheirLimitsOrGoals() throws {
        func last(_ episodes: [ReferenceEpisode], _ name: String) throws -> ReferenceStep {
            try XCTUnwrap(episodes.first { $0.name == name }?.steps.last, name)
        }
        let acrobotTruncated = try last(ClassicControlReference.acrobot, "no torque until truncated")
        XCTAssertEqual([acrobotTruncated.number, AcrobotTask.defaultMaxSteps], [500, 500])
        XCTAssertTrue(acrobotTruncated.truncated && !acrobotTruncated.terminated)
        XCTAssertTrue(try last(ClassicControlReference.acrobot, "pumping until terminated").terminated)

        let carTruncated = try last(ClassicControlReference.mountainCar, "coasting until truncated")
        XCTAssertEqual([carTruncated.number, MountainCarTask.defaultMaxSteps], [200, 200])
        XCTAssertTrue(carTruncated.truncated && !carTruncated.terminated)
        XCTAssertTrue(try last(ClassicControlReference.mountainCar, "pumping until terminated").terminated)

        let continuousTruncated = try last(ClassicControlReference.mountainCarContinuous, "coasting until truncated")
        XCTAssertEqual([continuousTruncated.number, MountainCarContinuousTask.defaultMaxSteps], [999, 999])
        XCTAssertTrue(continuousTruncated.truncated && !continuousTruncated.terminated)
        let continuousGoal = try last(ClassicControlReference.mountainCarContinuous, "pumping until terminated")
        XCTAssertTrue(continuousGoal.terminated)
        XCTAssertGreaterThan(continuousGoal.reward, 99)

        let pendulumTruncated = try last(ClassicControlReference.pendulum, "swinging until truncated")
        XCTAssertEqual([pendulumTruncated.number, PendulumTask.defaultMaxSteps], [200, 200])
        XCTAssertTrue(pendulumTruncated.truncated && !pendulumTruncated.terminated)
    }

    // MARK: Limits, clipping, success

    func testEveryTaskIsTruncatedAtItsStepLimitAndThenRefusesToStep() throws {
        let tasks: [(any Task, Action)] = [
            (AcrobotTask(initialState: acrobotState([0, 0, 0, 0]), maxSteps: 3), .discrete(1)),
            (MountainCarTask(initialState: mountainCarState([-0.5, 0]), maxSteps: 3), .discrete(1)),
            (MountainCarContinuousTask(initialState: mountainCarState([-0.5, 0]), maxSteps: 3), .continuous([0])),
            (PendulumTask(initialState: PendulumState(theta: 1, thetaDot: 0), maxSteps: 3), .continuous([0])),
        ]
        for (task, action) in tasks {
            for step in 1...3 {
                let result = try task.step(action: action)
                XCTAssertEqual(result.truncated, step == 3, "\(type(of: task)) step \(step)")
                XCTAssertFalse(result.terminated)
                XCTAssertEqual(task.isDone, step == 3)
            }
            XCTAssertEqual(task.numStepsTaken, 3)
            XCTAssertEqual(task.metrics().length, 3)
            XCTAssertThrowsError(try task.step(action: action)) { XCTAssertTrue($0 is TaskError, "\($0)") }
            XCTAssertEqual(task.numStepsTaken, 3)
        }
        let defaults = [
            AcrobotTaskSampler(seed: 0).nextTask()?.maxSteps, MountainCarTaskSampler(seed: 0).nextTask()?.maxSteps,
            MountainCarContinuousTaskSampler(seed: 0).nextTask()?.maxSteps, PendulumTaskSampler(seed: 0).nextTask()?.maxSteps,
        ]
        XCTAssertEqual(defaults, [500, 200, 999, 200])
    }

    /// Gymnasium clips the force to [-1, 1] but charges 0.1·a² for the action as given.
    /// A clipped force is the limit as a Python float, so that step runs in float64
    /// where an in-range Float force runs in float32 (see the task's documentation):
    /// actions beyond the same limit agree exactly, and with the limit itself up to the
    /// last bits of float32.
    func testMountainCarContinuousClipsTheForceButChargesTheActionAsGiven() throws {
        for (outside, fartherOut, limit) in [(Float(1.5), Float(1e6), Float(1)), (-3, -Float.greatestFiniteMagnitude, -1)] {
            let start = mountainCarState([-0.3, 0.01])
            let clipped = MountainCarContinuousTask(initialState: start)
            let clippedMore = MountainCarContinuousTask(initialState: start)
            let atLimit = MountainCarContinuousTask(initialState: start)
            for _ in 0..<5 {
                let a = try clipped.step(action: .continuous([outside]))
                let b = try clippedMore.step(action: .continuous([fartherOut]))
                _ = try atLimit.step(action: .continuous([limit]))
                XCTAssertEqual(clipped.state, clippedMore.state)
                XCTAssertEqual(a.observation.floats, b.observation.floats)
                XCTAssertEqual(clipped.state.position, atLimit.state.position, accuracy: 1e-7)
                XCTAssertEqual(clipped.state.velocity, atLimit.state.velocity, accuracy: 1e-8)
                XCTAssertEqual(a.reward, Float(-pow(Double(outside), 2) * 0.1))
                XCTAssertEqual(b.reward, Float(-pow(Double(fartherOut), 2) * 0.1))
            }
        }
        // The first step from a float64 state with a clipped force is all float64.
        let task = MountainCarContinuousTask(initialState: mountainCarState([-0.3, 0.01]))
        _ = try task.step(action: .continuous([7]))
        let velocity = 0.01 + (1.0 * 0.0015 - 0.0025 * cos(3 * -0.3))
        XCTAssertEqual(task.state, mountainCarState([Double(Float(-0.3 + velocity)), Double(Float(velocity))]))
    }

    /// Gymnasium clips the torque to [-2, 2] before both the dynamics and the cost.
    func testPendulumClipsTheTorqueForDynamicsAndCost() throws {
        for (outside, limit) in [(Float(3.5), Float(2)), (-40, -2)] {
            let start = PendulumState(theta: 0.5, thetaDot: -0.3)
            let clipped = PendulumTask(initialState: start), atLimit = PendulumTask(initialState: start)
            for _ in 0..<5 {
                let a = try clipped.step(action: .continuous([outside]))
                let b = try atLimit.step(action: .continuous([limit]))
                XCTAssertEqual(clipped.state, atLimit.state)
                XCTAssertEqual(a.observation.floats, b.observation.floats)
                XCTAssertEqual(a.reward, b.reward)
            }
        }
    }

    func testSuccessIsReachingTheGoal() throws {
        let car = MountainCarTask(initialState: mountainCarState([-0.5, 0]))
        XCTAssertEqual(car.metrics(), TaskMetrics(episodeReturn: 0, length: 0, success: false))
        while !car.isDone { _ = try car.step(action: .discrete(car.state.velocity >= 0 ? 2 : 0)) }
        XCTAssertEqual(car.metrics(), TaskMetrics(episodeReturn: -124, length: 124, success: true))

        let coasting = MountainCarContinuousTask(initialState: mountainCarState([-0.52, 0]), maxSteps: 10)
        while !coasting.isDone { _ = try coasting.step(action: .continuous([0])) }
        XCTAssertEqual(coasting.metrics().success, false)

        let acrobot = AcrobotTask(initialState: acrobotState([0.05, -0.03, 0.02, 0.01]))
        while !acrobot.isDone {
            _ = try acrobot.step(action: .discrete(acrobot.state.theta1Dot + acrobot.state.theta2Dot > 0 ? 2 : 0))
        }
        XCTAssertEqual(acrobot.metrics(), TaskMetrics(episodeReturn: -97, length: 98, success: true))

        let pendulum = PendulumTask(initialState: PendulumState(theta: 0, thetaDot: 0))
        _ = try pendulum.step(action: .continuous([0]))
        XCTAssertNil(pendulum.metrics().success)
    }

    func testPendulumGravityIsAParameter() throws {
        let moon = PendulumTask(initialState: PendulumState(theta: 1, thetaDot: 0), gravity: 1.62)
        let earth = PendulumTask(initialState: PendulumState(theta: 1, thetaDot: 0))
        XCTAssertEqual(earth.gravity, 10)
        _ = try moon.step(action: .continuous([0]))
        _ = try earth.step(action: .continuous([0]))
        // θ̇ = 3g/2·sin θ·dt from rest.
        XCTAssertEqual(moon.state.thetaDot, 3 * 1.62 / 2 * sin(1.0) * 0.05, accuracy: 1e-15)
        XCTAssertEqual(earth.state.thetaDot, 15 * sin(1.0) * 0.05, accuracy: 1e-15)
        var rng = RandomGenerator(seed: 4)
        XCTAssertEqual(PendulumTaskSampler(seed: 4, gravity: 3).nextTask()?.gravity, 3)
        XCTAssertEqual(PendulumTask(using: &rng, gravity: 5).gravity, 5)
    }

    // MARK: Bad actions

    func testBadActionsThrowTaskErrorsAndLeaveTheTaskAlone() {
        let discrete: [any Task] = [
            AcrobotTask(initialState: acrobotState([0.1, 0.2, 0.3, 0.4])),
            MountainCarTask(initialState: mountainCarState([-0.5, 0.01])),
        ]
        let continuous: [any Task] = [
            MountainCarContinuousTask(initialState: mountainCarState([-0.5, 0.01])),
            PendulumTask(initialState: PendulumState(theta: 1, thetaDot: 0.5)),
        ]
        let badForDiscrete: [Action] = [.discrete(3), .discrete(-1), .continuous([1]), .multiDiscrete([1])]
        let badForContinuous: [Action] = [.discrete(0), .continuous([]), .continuous([0.1, 0.2]), .multiDiscrete([0])]
        for (tasks, actions) in [(discrete, badForDiscrete), (continuous, badForContinuous)] {
            for task in tasks {
                let before = task.currentObservation
                for action in actions {
                    XCTAssertThrowsError(try task.step(action: action), "\(type(of: task)) \(action)") { error in
                        XCTAssertTrue(error is TaskError, "\(error)")
                    }
                }
                XCTAssertEqual(task.currentObservation, before)
                XCTAssertEqual(task.numStepsTaken, 0)
                XCTAssertFalse(task.isDone)
            }
        }
    }

    // MARK: Spaces and resets

    func testSpacesMatchGymnasium() {
        let acrobot = AcrobotTask(initialState: acrobotState([0, 0, 0, 0]))
        XCTAssertEqual(acrobot.actionSpace, .discrete(count: 3))
        XCTAssertEqual(acrobot.observationSpace, ObservationSpace(
            shape: [6], low: [-1, -1, -1, -1, -12.566371, -28.274334], high: [1, 1, 1, 1, 12.566371, 28.274334]))

        let carSpace = ObservationSpace(shape: [2], low: [-1.2, -0.07], high: [0.6, 0.07])
        let car = MountainCarTask(initialState: mountainCarState([-0.5, 0]))
        XCTAssertEqual(car.actionSpace, .discrete(count: 3))
        XCTAssertEqual(car.observationSpace, carSpace)
        let continuousCar = MountainCarContinuousTask(initialState: mountainCarState([-0.5, 0]))
        XCTAssertEqual(continuousCar.actionSpace, .box(Box(shape: [1], low: -1, high: 1)))
        XCTAssertEqual(continuousCar.observationSpace, carSpace)

        let pendulum = PendulumTask(initialState: PendulumState(theta: 0, thetaDot: 0))
        XCTAssertEqual(pendulum.actionSpace, .box(Box(shape: [1], low: -2, high: 2)))
        XCTAssertEqual(pendulum.observationSpace, ObservationSpace(shape: [3], low: [-1, -1, -8], high: [1, 1, 8]))

        let tasks: [any Task] = [acrobot, car, continuousCar, pendulum]
        for task in tasks {
            XCTAssertNoThrow(try task.actionSpace.validate())
            XCTAssertNoThrow(try task.observationSpace.check(task.currentObservation))
        }
    }

    func testResetStatesFallInGymnasiumsRanges() throws {
        var rng = RandomGenerator(seed: 21)
        var acrobotDraws: [Double] = [], positions: [Double] = [], thetas: [Double] = [], thetaDots: [Double] = []
        for _ in 0..<2_000 {
            let acrobot = AcrobotState.random(using: &rng)
            acrobotDraws += [acrobot.theta1, acrobot.theta2, acrobot.theta1Dot, acrobot.theta2Dot]
            let car = MountainCarState.random(using: &rng)
            XCTAssertEqual(car.velocity, 0)
            positions.append(car.position)
            let pendulum = PendulumState.random(using: &rng)
            thetas.append(pendulum.theta)
            thetaDots.append(pendulum.thetaDot)
        }
        // Acrobot: uniform in [-0.1, 0.1), then cast to float32 as Gymnasium does.
        XCTAssertTrue(acrobotDraws.allSatisfy { Double(Float($0)) == $0 && Float($0) >= Float(-0.1) && Float($0) <= Float(0.1) })
        XCTAssertTrue(positions.allSatisfy { $0 >= -0.6 && $0 < -0.4 })
        XCTAssertTrue(thetas.allSatisfy { $0 >= -Double.pi && $0 < Double.pi })
        XCTAssertTrue(thetaDots.allSatisfy { $0 >= -1 && $0 < 1 })
        // Spread over the ranges, not stuck in a corner.
        for (draws, low, high) in [(acrobotDraws, -0.1, 0.1), (positions, -0.6, -0.4), (thetas, -Double.pi, Double.pi), (thetaDots, -1, 1)] {
            let width = high - low
            XCTAssertLessThan(try XCTUnwrap(draws.min()), low + 0.01 * width)
            XCTAssertGreaterThan(try XCTUnwrap(draws.max()), high - 0.01 * width)
        }

        // The random inits draw their starts from the generator in the same way.
        var a = RandomGenerator(seed: 5), b = RandomGenerator(seed: 5)
        XCTAssertEqual(AcrobotTask(using: &a).state, AcrobotState.random(using: &b))
        XCTAssertEqual(MountainCarTask(using: &a).state, MountainCarState.random(using: &b))
        XCTAssertEqual(MountainCarContinuousTask(using: &a).state, MountainCarState.random(using: &b))
        XCTAssertEqual(PendulumTask(using: &a).state, PendulumState.random(using: &b))
    }

    // MARK: Samplers

    func testSamplersWithTheSameSeedYieldTheSameEpisodes() {
        assertDeterministic { AcrobotTaskSampler(seed: $0, episodeCount: $1) }
        assertDeterministic { MountainCarTaskSampler(seed: $0, episodeCount: $1) }
        assertDeterministic { MountainCarContinuousTaskSampler(seed: $0, episodeCount: $1) }
        assertDeterministic { PendulumTaskSampler(seed: $0, episodeCount: $1) }
    }

    func testSamplerStepLimitAndEndlessness() {
        let sampler = MountainCarContinuousTaskSampler(seed: 1, maxSteps: 50)
        XCTAssertNil(sampler.length)
        XCTAssertNil(sampler.totalUnique)
        let tasks = (0..<500).compactMap { _ in sampler.nextTask() }
        XCTAssertEqual(tasks.count, 500)
        XCTAssertTrue(tasks.allSatisfy { $0.maxSteps == 50 && $0.numStepsTaken == 0 && !$0.isDone })
    }

    // MARK: Helpers

    /// Steps a task from `episode.start` through the episode's actions and compares
    /// everything Gymnasium printed, bit for bit.
    private func replay<T: Task>(
        _ episode: ReferenceEpisode, makeTask: ([Double]) -> T, state: (T) -> [Double], checkStartObservation: Bool = true,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let task = makeTask(episode.start)
        let name = episode.name
        XCTAssertEqual(state(task), episode.start, "\(name): start", file: file, line: line)
        if checkStartObservation {
            XCTAssertEqual(task.currentObservation.floats.map(Double.init), episode.startObservation, "\(name): start", file: file, line: line)
        }
        for reference in episode.steps {
            while task.numStepsTaken < reference.number - 1 {
                let skipped = try task.step(action: reference.action)
                XCTAssertFalse(skipped.done, "\(name): step \(task.numStepsTaken)", file: file, line: line)
            }
            let result = try task.step(action: reference.action)
            let at = "\(name): step \(reference.number)"
            XCTAssertEqual(task.numStepsTaken, reference.number, at, file: file, line: line)
            XCTAssertEqual(state(task), reference.state, at, file: file, line: line)
            XCTAssertEqual(result.observation.floats.map(Double.init), reference.observation, at, file: file, line: line)
            XCTAssertEqual(task.currentObservation, result.observation, at, file: file, line: line)
            XCTAssertEqual(result.reward, Float(reference.reward), at, file: file, line: line)
            XCTAssertEqual(result.terminated, reference.terminated, at, file: file, line: line)
            XCTAssertEqual(result.truncated, reference.truncated, at, file: file, line: line)
            XCTAssertEqual(task.isDone, result.done, at, file: file, line: line)
        }
        let ended = episode.steps.last.map { $0.terminated || $0.truncated } ?? false
        XCTAssertEqual(task.isDone, ended, "\(name): ends where Gymnasium's did", file: file, line: line)
        XCTAssertEqual(task.metrics().episodeReturn, episode.episodeReturn, "\(name): return", file: file, line: line)
        XCTAssertEqual(task.metrics().length, episode.steps.last?.number, "\(name): length", file: file, line: line)
    }

    /// Same seed, same starts; another seed, other starts; a finite set ends and replays
    /// after `reset()`; `setSeed` starts the seed's sequence afresh.
    private func assertDeterministic<S: TaskSampler>(
        _ make: (UInt64, Int?) -> S, file: StaticString = #filePath, line: UInt = #line
    ) {
        func starts(_ sampler: S, _ count: Int) -> [[Float]] {
            (0..<count).compactMap { _ in (try? sampler.nextTask())?.currentObservation.floats }
        }
        let first = starts(make(42, nil), 50)
        XCTAssertEqual(first.count, 50, file: file, line: line)
        XCTAssertEqual(first, starts(make(42, nil), 50), file: file, line: line)
        XCTAssertNotEqual(first, starts(make(43, nil), 50), file: file, line: line)
        XCTAssertEqual(Set(first).count, 50, "every episode starts somewhere new", file: file, line: line)

        let finite = make(3, 4)
        XCTAssertEqual(finite.length, 4, file: file, line: line)
        XCTAssertEqual(finite.totalUnique, 4, file: file, line: line)
        let pass = starts(finite, 4)
        XCTAssertEqual(finite.length, 0, file: file, line: line)
        XCTAssertNil(try finite.nextTask(), file: file, line: line)
        finite.reset()
        XCTAssertEqual(starts(finite, 10), pass, file: file, line: line)

        let reseeded = make(3, 4)
        _ = starts(reseeded, 2)
        reseeded.setSeed(42)
        XCTAssertEqual(reseeded.length, 4, file: file, line: line)
        XCTAssertEqual(starts(reseeded, 4), Array(first.prefix(4)), file: file, line: line)
    }
}

private func acrobotState(_ s: [Double]) -> AcrobotState {
    AcrobotState(theta1: s[0], theta2: s[1], theta1Dot: s[2], theta2Dot: s[3])
}

private func acrobotVector(_ s: AcrobotState) -> [Double] { [s.theta1, s.theta2, s.theta1Dot, s.theta2Dot] }

private func mountainCarState(_ s: [Double]) -> MountainCarState { MountainCarState(position: s[0], velocity: s[1]) }

private func mountainCarVector(_ s: MountainCarState) -> [Double] { [s.position, s.velocity] }
