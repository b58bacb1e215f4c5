import ExptrainCLI
import ExptrainExperiments

// The command line with the built-in experiments and the probe experiments the
// integration tests use, registered the way a user's own package registers its own,
// plus `policy-outputs`, exptrain's own outputs for the ONNX export checks.
let experiments = BuiltinExperiments.all + [SlotProbe.self, MultiDiscreteProbe.self, UnexportableProbe.self]
if CommandLine.arguments.count > 1, CommandLine.arguments[1] == PolicyOutputs.command {
    PolicyOutputs.main(Array(CommandLine.arguments.dropFirst(2)), experiments: experiments)
}
Exptrain.main(experiments: experiments)
