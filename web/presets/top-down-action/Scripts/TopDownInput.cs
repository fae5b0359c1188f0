using UnityEngine;
#if ENABLE_INPUT_SYSTEM
using UnityEngine.InputSystem;
#endif

namespace Spark.Presets.TopDownAction
{
    /// <summary>
    /// The one place the top-down preset reads its controls: WASD or arrows and the first
    /// gamepad's left stick or d-pad to move; Space, J or the gamepad's west button to attack.
    /// </summary>
    /// <remarks>
    /// Input backend: when the project's Active Input Handling includes the Input System package
    /// (<c>ENABLE_INPUT_SYSTEM</c>, the default for new Unity 6 projects) the devices are polled
    /// through <c>UnityEngine.InputSystem</c>; otherwise the legacy Input Manager axes
    /// "Horizontal"/"Vertical" and the "Fire1" button are used (the Unity 2022 LTS default).
    /// With "Both" selected the Input System wins. Gameplay code only talks to this class, so
    /// moving to Input Actions later means editing this file and nothing else.
    /// Read it from <c>Update</c>: <see cref="AttackPressed"/> is true for one rendered frame.
    /// </remarks>
    public static class TopDownInput
    {
        /// <summary>Stick deflection below this is treated as no input.</summary>
        public const float DeadZone = 0.2f;

        /// <summary>
        /// Movement direction with a magnitude of at most 1, so diagonals are never faster than
        /// straight lines. Analog sticks keep partial deflection for walking.
        /// </summary>
        public static Vector2 Move
        {
            get
            {
                Vector2 value = Vector2.zero;
#if ENABLE_INPUT_SYSTEM
                Keyboard keyboard = Keyboard.current;
                if (keyboard != null)
                {
                    if (keyboard.aKey.isPressed || keyboard.leftArrowKey.isPressed) value.x -= 1f;
                    if (keyboard.dKey.isPressed || keyboard.rightArrowKey.isPressed) value.x += 1f;
                    if (keyboard.sKey.isPressed || keyboard.downArrowKey.isPressed) value.y -= 1f;
                    if (keyboard.wKey.isPressed || keyboard.upArrowKey.isPressed) value.y += 1f;
                }

                Gamepad gamepad = Gamepad.current;
                if (gamepad != null)
                {
                    Vector2 stick = gamepad.leftStick.ReadValue();
                    if (stick.sqrMagnitude >= DeadZone * DeadZone)
                    {
                        value += stick;
                    }

                    value += gamepad.dpad.ReadValue();
                }
#else
                value = new Vector2(Input.GetAxisRaw("Horizontal"), Input.GetAxisRaw("Vertical"));
                if (value.sqrMagnitude < DeadZone * DeadZone)
                {
                    value = Vector2.zero;
                }
#endif
                return Vector2.ClampMagnitude(value, 1f);
            }
        }

        /// <summary>True on the frame the attack button went down.</summary>
        public static bool AttackPressed
        {
            get
            {
#if ENABLE_INPUT_SYSTEM
                Keyboard keyboard = Keyboard.current;
                Gamepad gamepad = Gamepad.current;
                return (keyboard != null && (keyboard.spaceKey.wasPressedThisFrame || keyboard.jKey.wasPressedThisFrame))
                    || (gamepad != null && gamepad.buttonWest.wasPressedThisFrame);
#else
                return Input.GetButtonDown("Fire1") || Input.GetKeyDown(KeyCode.Space) || Input.GetKeyDown(KeyCode.J);
#endif
            }
        }
    }
}
