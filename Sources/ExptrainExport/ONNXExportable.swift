import ExptrainNN

/// A model that can write one policy step as an ONNX graph, for `exptrain export`.
///
/// `PolicyExporter` declares the graph's inputs, normalises the observation, resets the
/// recurrent state where `mask` is 0, and then asks the model for the nodes of one step:
/// the distribution's parameters, the value and, for a recurrent model, the state after
/// the step. The numbers must be those of `act(…)`. `MLPActorCritic` and
/// `RecurrentActorCritic` conform (one file each); a model of your own conforms with the
/// layer nodes of `ONNXGraph` (`linear`, `activation`, `perceptron`, `gruStep`, `embeddedCodes`):
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
    /// The floats of one observation the model reads (the width of the `observation` input).
    var exportedObservationSize: Int { get }
    /// Adds the nodes of one step to `graph`, reading `inputs`, and names the values
    /// that become the graph's outputs. Throws when this instance cannot be exported
    /// (a layer without an ONNX form).
    func addPolicyStep(to graph: inout ONNXGraph, inputs: PolicyStepInputs) throws(ExportError) -> PolicyStepOutputs
}

/// What a model's step reads in the exported graph, by value name.
public struct PolicyStepInputs: Sendable {
    /// The observations `[N, exportedObservationSize]`, already normalised when the run normalised.
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
