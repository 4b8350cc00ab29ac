"""The classic OpenCV cartoon recipe, timed the way `npm run bench` times cartoonize.

Decode, resize to fit max_side, seven bilateral passes at half size (pyrDown/pyrUp), a 7x7
median of the grey image, adaptive-threshold edges, colour AND edges, JPEG encode at the
same quality. Prints the median wall time in milliseconds over `runs` runs (after one
warm-up). Runs with Debian's python3-opencv: /usr/bin/python3 opencv-cartoon.py IN MAXSIDE RUNS
"""
import statistics
import sys
import time

import cv2
import numpy as np


def cartoon(data: bytes, max_side: int, quality: int) -> bytes:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    height, width = image.shape[:2]
    scale = min(1.0, max_side / max(width, height))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    colour = cv2.pyrDown(image)
    for _ in range(7):
        colour = cv2.bilateralFilter(colour, d=9, sigmaColor=9, sigmaSpace=7)
    colour = cv2.resize(cv2.pyrUp(colour), size)
    grey = cv2.medianBlur(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), 7)
    edges = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 9, 2)
    result = cv2.bitwise_and(colour, cv2.cvtColor(edges, cv2.COLOR_GRAY2BGR))
    ok, encoded = cv2.imencode('.jpg', result, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return encoded.tobytes()


def main() -> None:
    path, max_side, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    quality = int(sys.argv[4]) if len(sys.argv) > 4 else 82
    with open(path, 'rb') as f:
        data = f.read()
    cartoon(data, max_side, quality)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        cartoon(data, max_side, quality)
        times.append((time.perf_counter() - start) * 1000)
    print(f'{statistics.median(times):.1f}')


if __name__ == '__main__':
    main()
