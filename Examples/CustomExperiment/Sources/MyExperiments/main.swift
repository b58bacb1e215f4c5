import ExptrainCLI
import ExptrainExperiments

Exptrain.main(experiments: BuiltinExperiments.all + [ChainPPO.self, ReachPPO.self])
