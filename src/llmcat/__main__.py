from llmcat.cli import main

main()
