def helper():
    return 'util'
