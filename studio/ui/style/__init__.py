"""How the studio looks: the dark theme and its palette (theme) and the icons (icons)."""


from studio.ui.style.icons import icon

__all__ = ["icon"]
