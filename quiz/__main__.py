from quiz.launch import main

main()
