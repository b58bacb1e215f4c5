import ExptrainCLI

Exptrain.main()
