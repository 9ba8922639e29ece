from meetroom.cli import main

main()
