import ExptrainCLI
import ExptrainExperiments

// The command line with the built-in experiments and a probe experiment the
// integration tests use, registered the way a user's own package registers its own.
Exptrain.main(experiments: BuiltinExperiments.all + [SlotProbe.self])
