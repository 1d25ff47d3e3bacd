import tracepkg.util
