DEEP = True
