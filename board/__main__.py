from board.app import main

raise SystemExit(main())
