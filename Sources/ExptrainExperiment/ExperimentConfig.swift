@_exported import ExptrainEnvironment
import ExptrainNN
@_exported import ExptrainOnPolicy

/// An experiment: everything the trainer needs to know to train, validate and test
/// one model on one kind of task (AllenAct's `ExperimentConfig`).
///
/// The trainer calls the methods in this order on every rank:
/// 1. `init(overrides:)` with the run's `--config key=value` pairs;
/// 2. `machineParams(mode:)` for the mode being run, and `trainingPipeline()`;
/// 3. `createModel(seed:)` (every rank creates the model; rank 0's parameters are then
///    broadcast, so all ranks start identical);
/// 4. `trainTaskSamplerArgs(_:)` (or `valid…`/`test…`) with this rank's `ProcessSlot`,
///    then `makeSampler(_:)` with the result: each rank owns one sampler and keeps
///    its share of `machineParams(mode:).environments` of its tasks running side by side.
///
/// AllenAct freezes class-level attributes with a metaclass so that no process can
/// change a setting another process relies on. Swift's type system makes the same
/// promise: settings shared by every instance are `static let` (they can never
/// change), settings that a run may override are instance properties set once in
/// `init(overrides:)`, and the methods are called on a value the trainer holds, so
/// nothing can mutate it behind the trainer's back.
///
/// ```swift
/// struct MyCartPole: ExperimentConfig {
///     static let tag = "my-cartpole"
///     static let summary = "PPO on CartPole-v1, my way"
///     let learningRate: Float
///     init(overrides: ConfigOverrides) throws {
///         learningRate = try overrides.value("learningRate", default: 3e-4)
///     }
///     …
/// }
/// ```
public protocol ExperimentConfig {
    /// The task sampler this experiment makes on each rank.
    associatedtype Sampler: TaskSampler
    /// The actor-critic model this experiment trains.
    associatedtype Model: ActorCriticModel
    /// What `makeSampler(_:)` needs: made per rank by the `…TaskSamplerArgs` methods.
    associatedtype SamplerArgs

    /// Name used on the command line; also the output folder's name.
    static var tag: String { get }
    /// One line for `exptrain --list`.
    static var summary: String { get }

    /// Builds the experiment from `--config key=value` pairs; read every setting with
    /// `overrides.value(_:default:)`, so unknown keys can be reported.
    init(overrides: ConfigOverrides) throws

    /// The stages of training, their losses and settings.
    func trainingPipeline() throws -> TrainingPipeline
    /// Processes and devices for `mode`.
    func machineParams(mode: RunMode) throws -> MachineParams
    /// A new model with parameters initialised from `seed`.
    func createModel(seed: UInt64) throws -> Model
    /// The sampler of one rank.
    func makeSampler(_ args: SamplerArgs) throws -> Sampler
    /// The training sampler's arguments for the process in `slot`.
    func trainTaskSamplerArgs(_ slot: ProcessSlot) throws -> SamplerArgs
    /// The validation sampler's arguments for `slot`, or `nil` when the experiment has no validation.
    func validTaskSamplerArgs(_ slot: ProcessSlot) throws -> SamplerArgs?
    /// The test sampler's arguments for `slot`, or `nil` when the experiment has no test set.
    func testTaskSamplerArgs(_ slot: ProcessSlot) throws -> SamplerArgs?
}

extension ExperimentConfig {
    public func validTaskSamplerArgs(_ slot: ProcessSlot) throws -> SamplerArgs? { nil }
    public func testTaskSamplerArgs(_ slot: ProcessSlot) throws -> SamplerArgs? { nil }

    /// `machineParams(mode:)`, with any error prefixed by the experiment and the mode,
    /// so that a bad value is reported where it came from.
    public func checkedMachineParams(mode: RunMode) throws -> MachineParams {
        do {
            return try machineParams(mode: mode)
        } catch let error as ExperimentError {
            throw ExperimentError("\(Self.tag): machineParams(mode: .\(mode)): \(error.message)")
        }
    }

    /// The sampler arguments for `mode`.
    public func taskSamplerArgs(mode: RunMode, slot: ProcessSlot) throws -> SamplerArgs? {
        switch mode {
        case .train: try trainTaskSamplerArgs(slot)
        case .valid: try validTaskSamplerArgs(slot)
        case .test: try testTaskSamplerArgs(slot)
        }
    }
}
