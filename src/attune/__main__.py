from attune.present.cli import main

main()
