from __future__ import annotations
match x:
    case 1:
        import m
while True:
    from q import r
    break
lambda: __import__("z")
