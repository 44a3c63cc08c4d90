"""The ways people use nianbao, each a thin layer over nianbao.conversion: the command line (cli), a whole
inbox at once (batch), the mailbox (mail) and the web page (web).

May import every layer below; no app imports another, except that the CLI starts each of them.
"""
