from dockertui.cli import main

main()
