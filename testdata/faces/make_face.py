# Draws a synthetic grey-background portrait (no real person) as a binary PPM.
import math, sys
W, H = 120, 160
px = bytearray()
for y in range(H):
    for x in range(W):
        r, g, b = 205, 210, 215                       # background
        dx, dy = (x - 60) / 38.0, (y - 72) / 50.0      # head
        if dx * dx + dy * dy <= 1.0:
            r, g, b = 224, 180, 150
        if y < 40 and dx * dx + ((y - 60) / 48.0) ** 2 <= 1.1 and y < 45:
            r, g, b = 90, 60, 40                       # hair
        for ex in (45, 75):                            # eyes
            if ((x - ex) / 6.0) ** 2 + ((y - 66) / 3.5) ** 2 <= 1.0:
                r, g, b = 60, 80, 120
        if abs(x - 60) < 3 and 70 < y < 88:            # nose
            r, g, b = 200, 150, 125
        if ((x - 60) / 14.0) ** 2 + ((y - 100) / 4.0) ** 2 <= 1.0 and y >= 100:
            r, g, b = 170, 70, 70                      # mouth
        if y > 122 and abs(x - 60) < 50 - (160 - y) * 0.3:
            r, g, b = 50, 70, 110                      # shoulders
        px += bytes((r, g, b))
sys.stdout.buffer.write(b"P6\n%d %d\n255\n" % (W, H) + px)
