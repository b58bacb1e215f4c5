import ExptrainNN

/// A model that can write one policy step as an ONNX graph, for `exptrain export`.
///
/// `PolicyExporter` declares the graph's inputs, normalises the observation, resets the
/// recurrent state where `mask` is 0, and then asks the model for the nodes of one step:
/// the distribution's parameters, the value and, for a recurrent model, the state after
/// the step. The numbers must be those of `act(…)`. `MLPActorCritic`,
/// `RecurrentActorCritic` and `CNNActorCritic` conform (one file each); a model of your
/// own conforms with the layer nodes of `ONNXGraph` (`linear`, `activation`, `perceptron`,
/// `gruStep`, `embeddedCodes`, `columns`, `convolutionalEncoder`):
///
/// ```swift
/// extension MyModel: ONNXExportable {
///     public var exportedObservationSize: Int { observationSize }
///     public func addPolicyStep(to graph: inout ONNXGraph, inputs: PolicyStepInputs) throws(ExportError) -> PolicyStepOutputs {
///         let trunk = graph.activation(graph.linear(inputs.observation, encoder), .tanh)
///         return PolicyStepOutputs(distribution: .categorical(logits: graph.linear(trunk, actor), actionCount: actions),
///                                  value: graph.linear(trunk, critic))
///     }
/// }
/// ```
public protocol ONNXExportable: ActorCriticModel {
    /// The width of the `observation` input: the observation's Float32 parts one after
    /// another, then its UInt8 parts (`exportedByteCount` columns).
    var exportedObservationSize: Int { get }
    /// How many of the `observation` input's columns, the last ones, hold the observation's
    /// UInt8 parts, each byte as a float (0…255): never normalised, and read by the model as
    /// its `act(…)` reads `ObservationRows.bytes`. 0 (the default) for a model of floats only.
    var exportedByteCount: Int { get }
    /// Adds the nodes of one step to `graph`, reading `inputs`, and names the values
    /// that become the graph's outputs. Throws when this instance cannot be exported
    /// (a layer without an ONNX form).
    func addPolicyStep(to graph: inout ONNXGraph, inputs: PolicyStepInputs) throws(ExportError) -> PolicyStepOutputs
}

extension ONNXExportable {
    public var exportedByteCount: Int { 0 }
}

/// What a model's step reads in the exported graph, by value name.
public struct PolicyStepInputs: Sendable {
    /// The observations `[N, exportedObservationSize]`: the Float32 columns already normalised
    /// when the run normalised, the byte columns (the last `exportedByteCount`) as fed.
    public let observation: String
    /// The state entering the step `[N, recurrentStateSize]`, already reset (`hidden ⊙ mask`)
    /// where an episode starts; `nil` for feed-forward models.
    public let state: String?
    /// The masks `[N]` as fed (0 where an episode starts); `nil` for feed-forward models.
    public let mask: String?
}

/// What a model's step computes in the exported graph, by value name.
public struct PolicyStepOutputs: Sendable {
    /// The distribution's parameters, in its head's layout.
    public var distribution: ExportedDistribution
    /// The state value, `[N, 1]` or `[N]`.
    public var value: String
    /// The state after the step `[N, recurrentStateSize]`; `nil` for feed-forward models.
    public var state: String?

    public init(distribution: ExportedDistribution, value: String, state: String? = nil) {
        self.distribution = distribution
        self.value = value
        self.state = state
    }
}
