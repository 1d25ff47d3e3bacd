import os

from tracepkg import consts
