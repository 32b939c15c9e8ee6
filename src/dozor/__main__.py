from dozor.cli import main

main()
